package api_test

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRatingAndReportsOverHTTP: a dossier goes to the citizen, who rates
// it; the progress report counts it in JSON and exports as XLSX and PDF;
// the register exports.
func TestRatingAndReportsOverHTTP(t *testing.T) {
	d := newPaperDesk(t)
	code := d.receive()
	other := d.receive()
	rate := "/api/v1/dossiers/" + code + "/rating"
	if st, m := d.json("POST", rate, `{"rating":"satisfied"}`); st != 409 {
		t.Errorf("rating before return: %d %v", st, m)
	}
	for _, a := range []string{"forward", "resolve", "return"} {
		if st, m := d.json("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"`+a+`"}`); st != 200 {
			t.Fatalf("%s: %d %v", a, st, m)
		}
	}
	for _, tt := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"rating":"tuyệt vời"}`, 400, "invalid"},
		{`{"rating":"very_satisfied","x":1}`, 400, "invalid_json"},
		{`{"rating":"very_satisfied","note":"Cán bộ hướng dẫn tận tình"}`, 200, ""},
		{`{"rating":"dissatisfied"}`, 409, "conflict"},
	} {
		st, m := d.json("POST", rate, tt.body)
		if c, _ := errCode(m); st != tt.status || c != tt.code {
			t.Errorf("rate %s: %d %v, want %d %s", tt.body, st, m, tt.status, tt.code)
		}
		if st == 200 {
			r, _ := m["rating"].(map[string]any)
			if r["value"] != "very_satisfied" || r["by"] != "lan" {
				t.Errorf("rating in the dossier: %v", m["rating"])
			}
		}
	}
	st, body := d.req("GET", "/api/v1/reports/progress?from=2026-03-01&to=2026-03-31", "", nil)
	var rep struct {
		AsOf     string `json:"as_of"`
		Received struct {
			CarriedOver int            `json:"carried_over"`
			New         int            `json:"new"`
			ByChannel   map[string]int `json:"by_channel"`
		} `json:"received"`
		Processed    map[string]int `json:"processed"`
		InProgress   map[string]int `json:"in_progress"`
		Paused       map[string]int `json:"paused"`
		Satisfaction map[string]int `json:"satisfaction"`
	}
	if st != 200 || json.Unmarshal(body, &rep) != nil {
		t.Fatalf("progress: %d %s", st, body)
	}
	// Both were received now, 09:00 on 2 March; the first was resolved at
	// once, days before its due date (three working days): early. What
	// happened at the very moment of the report counts.
	if rep.Received.New != 2 || rep.Received.CarriedOver != 0 || rep.Received.ByChannel["in_person"] != 2 ||
		rep.Processed["early"] != 1 || rep.Processed["on_time"] != 0 || rep.Processed["late"] != 0 ||
		rep.InProgress["within_deadline"] != 1 || rep.InProgress["overdue"] != 0 ||
		rep.Paused["supplement"] != 0 || rep.Paused["payment"] != 0 || rep.Paused["stopped"] != 0 ||
		rep.Satisfaction["very_satisfied"] != 1 || rep.AsOf != "2026-03-02T09:00:00+07:00" {
		t.Errorf("progress report: %s", body)
	}
	for _, tt := range []struct {
		query, ctype string
		magic        []byte
	}{
		{"progress?from=2026-03-01&to=2026-03-31&format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("PK")},
		{"progress?from=2026-03-01&to=2026-03-31&format=pdf", "application/pdf", []byte("%PDF-")},
		{"register?from=2026-03-01&to=2026-03-31", "application/pdf", []byte("%PDF-")},
		{"register?from=2026-03-01&to=2026-03-31&format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("PK")},
		{"register?from=2026-03-01&to=2026-03-31&format=json", "application/json; charset=utf-8", []byte(`{"items":[{"no":1`)},
	} {
		st, h, body := d.reqH("GET", "/api/v1/reports/"+tt.query, "", nil)
		if st != 200 || h.Get("Content-Type") != tt.ctype || !bytes.HasPrefix(body, tt.magic) {
			t.Errorf("%s: %d %s %.40q", tt.query, st, h.Get("Content-Type"), body)
		}
	}
	for _, q := range []string{"progress?from=2026-03-01", "progress?from=2026-3-1&to=2026-03-31",
		"progress?from=2026-03-31&to=2026-03-01", "progress?from=2026-03-01&to=2026-03-31&format=doc",
		"progress?from=2027-01-01&to=2027-01-31", "register?from=2026-03-01&to=2026-03-31&x=1",
		"progress?from=2020-01-01&to=2026-03-31"} {
		st, m := d.json("GET", "/api/v1/reports/"+q, "")
		if c, _ := errCode(m); st != 400 || c != "invalid" {
			t.Errorf("%s: %d %v, want 400 invalid", q, st, m)
		}
	}
	// A specialist reads reports but does not record ratings.
	d.token = d.login("hung", "password-hung")
	if st, _ := d.req("GET", "/api/v1/reports/progress?from=2026-03-01&to=2026-03-31", "", nil); st != 200 {
		t.Errorf("a specialist reading the report: %d", st)
	}
	if st, _ := d.json("POST", "/api/v1/dossiers/"+other+"/rating", `{"rating":"satisfied"}`); st != 403 {
		t.Errorf("a specialist rating: %d", st)
	}
}

// A dossier can be named by its ID wherever a code is taken (the UI does
// so when a code is shared by two dossiers): scans and ratings too.
func TestAttachAndRateByDossierID(t *testing.T) {
	d := newPaperDesk(t)
	_, m := d.json("GET", "/api/v1/dossiers/"+d.receive(), "")
	id, _ := m["id"].(string)
	if id == "" {
		t.Fatalf("no id in %v", m)
	}
	base := "/api/v1/dossiers/" + id
	if st, body := d.req("POST", base+"/attachments?name=to-khai.png", "image/png", bytes.NewReader(scan("png", 40, 30))); st != 201 {
		t.Fatalf("attach by ID: %d %s", st, body)
	}
	for _, a := range []string{"forward", "resolve", "return"} {
		if st, m := d.json("POST", base+"/actions", `{"action":"`+a+`"}`); st != 200 {
			t.Fatalf("%s by ID: %d %v", a, st, m)
		}
	}
	if st, m := d.json("POST", base+"/rating", `{"rating":"satisfied"}`); st != 200 {
		t.Fatalf("rate by ID: %d %v", st, m)
	}
	_, m = d.json("GET", base, "")
	if atts, _ := m["attachments"].([]any); len(atts) != 1 || m["rating"] == nil {
		t.Fatalf("by ID: attachments %v, rating %v", m["attachments"], m["rating"])
	}
}
