package api_test

import (
	"strings"
	"testing"
)

// TestOnlyTheHolderActs: a specialist cannot act on a dossier forwarded to
// another; a leader reassigns it (recorded in the history), then the new
// holder acts and the old one cannot.
func TestOnlyTheHolderActs(t *testing.T) {
	_, mai := start(t) // mai: receiver, specialist and leader
	admin := mai.as("admin", "admin-password")
	for _, u := range []string{
		`{"username":"lan","password":"lan-tiep-nhan-1","full_name":"Lê Thị Lan","roles":["receiver"]}`,
		`{"username":"hung","password":"hung-chuyen-vien-1","full_name":"Trần Văn Hùng","roles":["specialist"]}`,
		`{"username":"thu","password":"thu-chuyen-vien-1","full_name":"Ngô Thị Thu","roles":["specialist"]}`,
	} {
		if status, out := admin.do("POST", "/api/v1/users", u); status != 201 {
			t.Fatalf("create user: %d %v", status, out)
		}
	}
	lan, hung, thu := mai.as("lan", "lan-tiep-nhan-1"), mai.as("hung", "hung-chuyen-vien-1"), mai.as("thu", "thu-chuyen-vien-1")
	status, d := lan.do("POST", "/api/v1/dossiers", goodDossier)
	if status != 201 {
		t.Fatalf("receive: %d %v", status, d)
	}
	acts := "/api/v1/dossiers/" + d["code"].(string) + "/actions"
	if status, out := lan.do("POST", acts, `{"action":"forward","assignee":"hung"}`); status != 200 {
		t.Fatalf("forward: %d %v", status, out)
	}
	for _, a := range []string{`{"action":"request_payment"}`, `{"action":"resolve"}`, `{"action":"request_supplement","note":"Thiếu giấy tờ"}`} {
		if status, out := thu.do("POST", acts, a); status != 403 {
			t.Fatalf("%s by a specialist who does not hold it: %d %v, want 403", a, status, out)
		}
	}
	if status, out := hung.do("POST", acts, `{"action":"reassign","assignee":"thu"}`); status != 403 {
		t.Fatalf("reassign by a specialist: %d %v, want 403", status, out)
	}
	status, out := mai.do("POST", acts, `{"action":"reassign","assignee":"thu","note":"Anh Hùng nghỉ phép"}`)
	if status != 200 || out["holder"] != "thu" || out["status"] != "processing" {
		t.Fatalf("reassign by a leader: %d %v", status, out)
	}
	h := out["history"].([]any)
	last := h[len(h)-1].(map[string]any)
	if last["action"] != "reassign" || last["by"] != "mai" || !strings.Contains(last["note"].(string), "hung → thu") {
		t.Fatalf("the reassignment is not in the history: %v", last)
	}
	if status, out := hung.do("POST", acts, `{"action":"resolve"}`); status != 403 {
		t.Fatalf("resolve by the former holder: %d %v, want 403", status, out)
	}
	if status, out := thu.do("POST", acts, `{"action":"resolve"}`); status != 200 || out["status"] != "result_ready" {
		t.Fatalf("resolve by the holder: %d %v", status, out)
	}
}
