package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/node"
)

// The citizen comes back with the receipt: any fragment of its code, the
// receipt's QR scanned into the search box, the chip-ID card's QR, the name
// with or without diacritics, the ID or phone number find the dossier,
// newest first.
func TestOneSearchBoxFindsAReceipt(t *testing.T) {
	_, mai := start(t)
	var codes []string
	for i := 0; i < 3; i++ {
		status, d := mai.do("POST", "/api/v1/dossiers", goodDossier)
		if status != 201 {
			t.Fatalf("receive: %d %v", status, d)
		}
		codes = append(codes, d["code"].(string))
	}
	last := codes[2]
	day, num := last[len(last)-11:len(last)-5], last[len(last)-4:]
	find := func(q string) []string {
		t.Helper()
		status, out := mai.do("GET", "/api/v1/dossiers?q="+url.QueryEscape(q), "")
		if status != 200 {
			t.Fatalf("q=%q: %d %v", q, status, out)
		}
		var got []string
		for _, it := range out["items"].([]any) {
			got = append(got, it.(map[string]any)["code"].(string))
		}
		return got
	}
	for _, q := range []string{num, day + "-" + num, last,
		"https://dichvucong.gov.vn/tra-cuu-ho-so?ma=" + url.QueryEscape(last),
		strings.TrimLeft(num, "0")} {
		if got := find(q); len(got) != 1 || got[0] != last {
			t.Errorf("q=%q found %v, want only %s", q, got, last)
		}
	}
	for _, q := range []string{"Nguyen Van An", "nguyễn văn an", "037090001234", "0912345678",
		"037090001234|123456789|Nguyễn Văn An|01051990|Nam|Yên Mô|01012021"} {
		got := find(q)
		if len(got) != 3 || got[0] != last || got[2] != codes[0] {
			t.Errorf("q=%q found %v, want all three newest first", q, got)
		}
	}
	if got := find("9999"); len(got) != 0 {
		t.Errorf("q=9999 found %v", got)
	}
}

// The desk's queue of results waiting for the citizen, and full names for
// every official a dossier names (issue 14, point 4).
func TestResultsWaitingAtTheDeskWithFullNames(t *testing.T) {
	_, mai := start(t)
	status, d := mai.do("POST", "/api/v1/dossiers", goodDossier)
	if status != 201 {
		t.Fatalf("receive: %d %v", status, d)
	}
	code := d["code"].(string)
	for _, a := range []string{`{"action":"forward","assignee":"mai"}`, `{"action":"resolve"}`} {
		if status, out := mai.do("POST", "/api/v1/dossiers/"+code+"/actions", a); status != 200 {
			t.Fatalf("%s: %d %v", a, status, out)
		}
	}
	status, out := mai.do("GET", "/api/v1/dossiers?queue=to_return", "")
	items, _ := out["items"].([]any)
	if status != 200 || len(items) != 1 {
		t.Fatalf("to_return: %d %v", status, out)
	}
	v := items[0].(map[string]any)
	if v["code"] != code || v["status"] != "result_ready" {
		t.Errorf("to_return lists %v %v", v["code"], v["status"])
	}
	if names, _ := v["names"].(map[string]any); names["mai"] != "Phạm Thị Mai" {
		t.Errorf("names %v, want mai's full name", v["names"])
	}
	if _, out := mai.do("GET", "/api/v1/dossiers?queue=online", ""); len(out["items"].([]any)) != 0 {
		t.Errorf("online queue: %v", out)
	}
}

// A dossier already late when the supplement request goes out stays late:
// on the dossier, in lists and on the dashboard (issue 14, point 9).
func TestLateStaysVisibleAfterASupplementRequest(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, app.VN())
	_, srv := serveNode(t, func(c *node.Config) { c.Now = func() time.Time { return now } })
	admin := (&client{t: t, srv: srv}).as("admin", "admin-password")
	admin.do("POST", "/api/v1/users", `{"username":"mai","password":"password-mai","full_name":"Phạm Thị Mai","roles":["receiver","specialist","leader"]}`)
	mai := admin.as("mai", "password-mai")
	_, d := mai.do("POST", "/api/v1/dossiers", goodDossier)
	code := d["code"].(string)
	mai.do("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"forward","assignee":"mai"}`)
	now = now.AddDate(0, 1, 0) // a month later, long past due
	mai = admin.as("mai", "password-mai")
	status, v := mai.do("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"request_supplement","note":"thiếu tờ khai"}`)
	if status != 200 || v["status"] != "supplement_requested" || v["overdue"] != true {
		t.Fatalf("after the request: %d status %v overdue %v", status, v["status"], v["overdue"])
	}
	if _, st := mai.do("GET", "/api/v1/stats", ""); st["overdue"] != float64(1) {
		t.Errorf("the dashboard counts %v overdue, want 1", st["overdue"])
	}
}
