package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

const birthDossier = `{"procedure_code":"1.001193","applicant":{"full_name":"Lê Văn Cường","id_number":"037093001234","date_of_birth":"1993-07-09","phone":"0912345678","address":"Yên Mô"},
"facts":{"subject":{"full_name":"Lê Thị Hoa","sex":"nữ","ethnicity":"Kinh","nationality":"Việt Nam"},
"mother":{"full_name":"Trần Thị Bình","date_of_birth":"1995-03-02"},"father":{"full_name":"Lê Văn Cường"},
"date":"2026-02-20","place":"Trạm y tế xã Yên Mô","declarant":{"full_name":"Lê Văn Cường","relation":"cha"}}}`

// TestRegistersOverHTTP: a birth dossier received with its facts and
// resolved names its register entry; the register lists it, finds it
// without diacritics, records an extract issued and prints it.
func TestRegistersOverHTTP(t *testing.T) {
	_, mai := start(t)
	st, d := mai.do("POST", "/api/v1/dossiers", birthDossier)
	if st != 201 {
		t.Fatalf("receive: %d %v", st, d)
	}
	code := d["code"].(string)
	for _, a := range []string{"forward", "resolve"} {
		if st, d = mai.do("POST", "/api/v1/dossiers/"+code+"/actions", `{"action":"`+a+`"}`); st != 200 {
			t.Fatalf("%s: %d %v", a, st, d)
		}
	}
	ref, _ := d["register_entry"].(map[string]any)
	if ref["register"] != "birth-2026" || ref["book"] != "01" || ref["number"] == nil {
		t.Fatalf("register_entry = %v", d["register_entry"])
	}
	num := fmt.Sprint(ref["number"])
	st, regs := mai.do("GET", "/api/v1/registers?kind=birth&year=2026", "")
	items, _ := regs["items"].([]any)
	if st != 200 || len(items) != 1 {
		t.Fatalf("registers: %d %v", st, regs)
	}
	if b := items[0].(map[string]any); b["id"] != "birth-2026" || b["kind"] != "birth" || b["year"] != 2026.0 || b["book"] != "01" || b["entries"] != 1.0 {
		t.Fatalf("register = %v", b)
	}
	for q, want := range map[string]int{"le%20thi%20hoa": 1, "tran%20thi%20binh": 1, "nguyen": 0, num: 1} {
		st, out := mai.do("GET", "/api/v1/registers/birth-2026/entries?q="+q, "")
		if got := len(out["items"].([]any)); st != 200 || got != want {
			t.Errorf("entries q=%s: %d, %d items, want %d", q, st, got, want)
		}
	}
	base := "/api/v1/registers/birth-2026/entries/" + num
	st, x := mai.do("POST", base+"/extracts", `{"copies":2,"fee_vnd":8000,"requester":"Lê Văn Cường"}`)
	if issue, _ := x["issue"].(map[string]any); st != 201 || issue["no"] != 1.0 || issue["copies"] != 2.0 || issue["by"] != "mai" {
		t.Fatalf("extract: %d %v", st, x)
	}
	pdf := getRaw(t, mai, base+"/extract.pdf?issue=1")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("extract.pdf is not a PDF: %.40q", pdf)
	}
	st, e := mai.do("POST", base+"/corrections", `{"field":"subject.full_name","new":"Lê Thị Huệ","note":"Sai chính tả","basis":"QĐ 12"}`)
	if cur, _ := e["current"].(map[string]any); st != 200 || cur["subject"].(map[string]any)["full_name"] != "Lê Thị Huệ" {
		t.Fatalf("correct: %d %v", st, e)
	}

	// Bad input: a clear error, nothing stored.
	bad := []struct{ name, method, path, body, code, field string }{
		{"facts on a procedure without register", "POST", "/api/v1/dossiers", strings.Replace(birthDossier, "1.001193", "2.000815", 1), "invalid", "facts"},
		{"child without sex", "POST", "/api/v1/dossiers", strings.Replace(birthDossier, `"sex":"nữ",`, "", 1), "invalid", "facts.subject.sex"},
		{"unknown fact", "POST", "/api/v1/dossiers", strings.Replace(birthDossier, `"place"`, `"eyes":"x","place"`, 1), "invalid_json", "eyes"},
		{"no copies", "POST", base + "/extracts", `{"copies":0}`, "invalid", "copies"},
		{"correction without note", "POST", base + "/corrections", `{"field":"place","new":"Nhà"}`, "invalid", "note"},
		{"unknown register", "GET", "/api/v1/registers/owls-2026/entries", "", "not_found", "register"},
		{"register never opened", "GET", "/api/v1/registers/death-2026/entries", "", "not_found", "register"},
		{"no such entry", "GET", "/api/v1/registers/birth-2026/entries/12", "", "not_found", ""},
		{"no such issue", "GET", base + "/extract.pdf?issue=9", "", "not_found", "issue"},
		{"bad year", "GET", "/api/v1/registers?year=abc", "", "invalid", "year"},
		{"bad kind", "GET", "/api/v1/registers?kind=owls", "", "invalid", "kind"},
	}
	for _, b := range bad {
		st, out := mai.do(b.method, b.path, b.body)
		e, _ := out["error"].(map[string]any)
		if st < 400 || e["code"] != b.code || (b.field != "" && e["field"] != b.field) {
			t.Errorf("%s: %d %v, want %s %s", b.name, st, out, b.code, b.field)
		}
	}
	if st, out := mai.do("GET", base, ""); st != 200 || len(out["extracts"].([]any)) != 1 || len(out["corrections"].([]any)) != 1 {
		t.Errorf("entry after bad input: %d %v", st, out)
	}
}

func getRaw(t *testing.T, c *client, path string) []byte {
	t.Helper()
	return getAny(t, c, path, "application/pdf")
}

// getAny fetches a file of the given content type.
func getAny(t *testing.T, c *client, path, contentType string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", c.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != contentType {
		t.Fatalf("GET %s: %d %s %.200s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return b
}
