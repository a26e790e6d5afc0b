package app

import (
	_ "embed"
	"encoding/csv"
	"strings"
)

// CommuneInfo is a commune-level administrative unit.
type CommuneInfo struct {
	Code     string `json:"code"`     // 5-digit administrative-unit code
	Name     string `json:"name"`     // "Xã Yên Mô", "Phường Phủ Lý"
	Kind     string `json:"kind"`     // "xa" or "phuong"
	Province string `json:"province"` // "Tỉnh Ninh Bình"
}

// The 129 units of Ninh Bình province from 1 July 2025 (Decision
// 19/2025/QĐ-TTg), the province this build serves first.
//
//go:embed catalog/ninh-binh-communes-2025.csv
var ninhBinhCSV string

// Communes lists the commune-level units this build knows, by code order in the source.
func Communes() []CommuneInfo {
	rows, err := csv.NewReader(strings.NewReader(ninhBinhCSV)).ReadAll()
	if err != nil {
		panic("built-in commune list: " + err.Error()) // embedded at build time: a broken file is a build bug
	}
	out := make([]CommuneInfo, 0, len(rows))
	for _, r := range rows[1:] {
		out = append(out, CommuneInfo{Code: r[0], Name: r[1], Kind: r[2], Province: "Tỉnh Ninh Bình"})
	}
	return out
}

// LookupCommune finds a commune by its 5-digit code.
func LookupCommune(code string) (CommuneInfo, bool) {
	for _, c := range Communes() {
		if c.Code == code {
			return c, true
		}
	}
	return CommuneInfo{}, false
}
