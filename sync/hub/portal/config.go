package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"xaso/app"
)

// Settings is the connector's settings file (`xaso hub --portal FILE`): the
// adapter's addresses and credentials stay off the command line.
type Settings struct {
	SessionURL string `json:"session_url"`
	ServiceURL string `json:"service_url"`
	Username   string `json:"username"`
	Password   string `json:"password"`
	DstCode    string `json:"dstcode"`
	MaDonVi    string `json:"madonvi"`
	FileBase   string `json:"file_base,omitempty"` // public URL prefix of scans; "": not listed
	Every      string `json:"every,omitempty"`     // between rounds; "": 5m
	// InboundToken is the bearer the adapter presents when it pushes
	// dossiers to the province (POST /api/v1/portal/dossiers); "": refused.
	InboundToken string `json:"inbound_token,omitempty"`
}

// MinInboundToken is the shortest inbound bearer the settings take: the
// adapter's pushes are guessed against it over the network.
const MinInboundToken = 32

// LoadFile reads and checks a settings file.
func LoadFile(path string) (Config, time.Duration, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, 0, fmt.Errorf("portal settings: %w", err)
	}
	var f Settings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Config{}, 0, app.Errorf(app.EInvalid, "portal", "Tệp cấu hình cổng quốc gia %s không đọc được: %v.",
			"the portal settings file %s does not decode: %v", path, err)
	}
	every := 5 * time.Minute
	if f.Every != "" {
		if every, err = time.ParseDuration(f.Every); err != nil || every < time.Second {
			return Config{}, 0, app.Errorf(app.EInvalid, "portal", "“every” phải là một khoảng thời gian như 5m.", "every must be a duration such as 5m")
		}
	}
	if f.InboundToken != "" && len(f.InboundToken) < MinInboundToken {
		return Config{}, 0, app.Errorf(app.EInvalid, "inbound_token", "“inbound_token” phải dài ít nhất %d ký tự (một chuỗi ngẫu nhiên).",
			"inbound_token must be at least %d characters (a random string)", MinInboundToken)
	}
	if f.SessionURL == "" || f.ServiceURL == "" || f.Username == "" || f.Password == "" || f.MaDonVi == "" {
		return Config{}, 0, app.Errorf(app.EInvalid, "portal", "Tệp cấu hình cổng quốc gia cần session_url, service_url, username, password và madonvi.",
			"the portal settings need session_url, service_url, username, password and madonvi")
	}
	return Config{SessionURL: f.SessionURL, ServiceURL: f.ServiceURL, Username: f.Username, Password: f.Password,
		DstCode: f.DstCode, MaDonVi: f.MaDonVi, InboundToken: f.InboundToken, Unit: func(code string) Unit {
			name := code
			if c, ok := app.LookupCommune(code); ok {
				name = "UBND " + c.Name
			}
			return Unit{Name: name, FileBase: f.FileBase}
		}}, every, nil
}
