package api_test

import (
	"strings"
	"testing"
)

// An empty desk form is answered with every problem at once (DESIGN §8.1
// error.fields), the first of them as the error itself, each in the words of
// the desk's labels; English messages start with a capital.
func TestEveryInvalidFieldAtOnce(t *testing.T) {
	_, mai := start(t)
	body := `{"procedure_code":"","applicant":{"full_name":"","id_number":"12345","date_of_birth":"1990-02-31","phone":"12"}}`
	status, out := mai.do("POST", "/api/v1/dossiers", body)
	e, _ := out["error"].(map[string]any)
	if status != 400 || e == nil {
		t.Fatalf("got %d %v", status, out)
	}
	fields, _ := e["fields"].([]any)
	got := map[string]string{}
	for _, f := range fields {
		m := f.(map[string]any)
		got[m["field"].(string)] = m["message"].(string)
		if m["code"] != "invalid" {
			t.Errorf("%v: code %v", m["field"], m["code"])
		}
	}
	want := []string{"procedure_code", "applicant.full_name", "applicant.id_number", "applicant.date_of_birth", "applicant.phone"}
	for _, f := range want {
		if got[f] == "" {
			t.Errorf("no error for %s in %v", f, got)
		}
	}
	if len(fields) != len(want) {
		t.Errorf("%d field errors, want %d: %v", len(fields), len(want), got)
	}
	if e["field"] != "procedure_code" || e["message"] != got["procedure_code"] {
		t.Errorf("the first error is %v, not the first field", e)
	}
	if m := got["procedure_code"]; !strings.Contains(m, "chọn thủ tục") {
		t.Errorf("empty procedure says %q", m)
	}
	if m := got["applicant.date_of_birth"]; !strings.Contains(m, "ngày/tháng/năm") || strings.Contains(m, "năm-tháng-ngày") {
		t.Errorf("a date that does not exist says %q, not in the label's dd/mm/yyyy words", m)
	}

	// One invalid field: no list, as before.
	_, out = mai.do("POST", "/api/v1/dossiers", strings.Replace(goodDossier, `"0912345678"`, `"12"`, 1))
	if e := out["error"].(map[string]any); e["fields"] != nil || e["field"] != "applicant.phone" {
		t.Errorf("one bad field: %v", e)
	}

	_, out = mai.do("POST", "/api/v1/dossiers", body, "Accept-Language", "en")
	for _, f := range out["error"].(map[string]any)["fields"].([]any) {
		if m := f.(map[string]any)["message"].(string); m == "" || m[0] < 'A' || m[0] > 'Z' {
			t.Errorf("English message %q does not start with a capital", m)
		}
	}
}
