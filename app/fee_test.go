package app_test

import (
	"strings"
	"testing"

	"xaso/app"
)

// Fees (issue 12, point 6; domain/README "Fees"): Law on Civil Status 2014
// art. 11 exempts birth and death registered on time, marriage and
// guardianship; provincial resolutions set the fees of marital-status
// confirmation, change/correction and parentage, often lower online; national
// circulars set certification fees. "Set by the province" is not "free".
func TestFeeBasis(t *testing.T) {
	online := 4000
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]app.Procedure{}
	for _, p := range cat.Procedures {
		byCode[p.Code] = p
	}
	tests := []struct {
		name  string
		p     app.Procedure
		basis app.FeeBasis
		vi    string
	}{
		{"birth: free by law", byCode["1.001193"], app.FeeFree, "Miễn lệ phí"},
		{"marriage: free by law", byCode["1.000894"], app.FeeFree, "Miễn lệ phí"},
		{"marital status: the province's, not yet pushed", byCode["1.004873"], app.FeeProvince, "Lệ phí theo mức của tỉnh (chưa cập nhật)"},
		{"correction: the province's", byCode["1.004859"], app.FeeProvince, "Lệ phí theo mức của tỉnh"},
		{"parentage: the province's", byCode["1.001022"], app.FeeProvince, "Lệ phí theo mức của tỉnh"},
		{"extract copy: national amount", byCode["2.000635"], app.FeeNational, "Lệ phí 8.000 đồng"},
		{"pushed by the province with a reduced online fee",
			app.Procedure{FeeBasis: app.FeeProvince, FeeVND: 8000, FeeOnlineVND: &online}, app.FeeProvince,
			"Lệ phí 8.000 đồng theo nghị quyết của tỉnh; nộp trực tuyến 4.000 đồng"},
		{"an old catalog with an amount only", app.Procedure{FeeVND: 100000}, app.FeeNational, "Lệ phí 100.000 đồng"},
		{"an old catalog with 0", app.Procedure{}, app.FeeFree, "Miễn lệ phí"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.FeeBasisOf(); got != tt.basis {
				t.Errorf("basis %q, want %q", got, tt.basis)
			}
			if got := tt.p.FeeVi(); !strings.HasPrefix(got, tt.vi) {
				t.Errorf("shown %q, want %q", got, tt.vi)
			}
		})
	}
}

func TestFeeChecked(t *testing.T) {
	high, low := 9000, 1000
	for _, tc := range []struct {
		name string
		p    app.Procedure
		ok   bool
	}{
		{"free with an amount", app.Procedure{FeeBasis: app.FeeFree, FeeVND: 1000}, false},
		{"unknown basis", app.Procedure{FeeBasis: "maybe"}, false},
		{"online fee above the fee", app.Procedure{FeeBasis: app.FeeProvince, FeeVND: 8000, FeeOnlineVND: &high}, false},
		{"province with a reduced online fee", app.Procedure{FeeBasis: app.FeeProvince, FeeVND: 8000, FeeOnlineVND: &low}, true},
		{"province not yet pushed", app.Procedure{FeeBasis: app.FeeProvince}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Code, tc.p.Name, tc.p.Rule = "1.000001", "Thủ tục", app.DeadlineRule{Kind: "same_day"}
			err := app.Catalog{Version: "t", EffectiveFrom: "2026-01-01", Procedures: []app.Procedure{tc.p}}.Check()
			if (err == nil) != tc.ok {
				t.Fatalf("Check = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
