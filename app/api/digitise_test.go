package api_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

const (
	hungTyped = `{"page":1,"registered_on":"1998-03-14","signer":"Phạm Văn Đông","signer_title":"Chủ tịch UBND xã",
"facts":{"subject":{"full_name":"Nguyễn Văn Hùng","sex":"nam","ethnicity":"Kinh","nationality":"Việt Nam"},
"mother":{"full_name":"Đỗ Thị Mận","date_of_birth":"1970-01-05"},"father":{"full_name":"Nguyễn Văn Tuấn"},
"date":"1998-03-01","place":"Nhà hộ sinh xã Yên Mô","declarant":{"full_name":"Nguyễn Văn Tuấn","relation":"cha"}}}`
	luaTyped = `{"page":1,"registered_on":"1998-03-14","signer":"Phạm Văn Đông","signer_title":"Chủ tịch UBND xã",
"facts":{"subject":{"full_name":"Trần Thị Lụa","sex":"nữ","ethnicity":"Kinh","nationality":"Việt Nam"},
"mother":{"full_name":"Trần Thị Hạnh"},
"date":"1998-02-20","place":"Thôn Đông, xã Yên Mô","declarant":{"full_name":"Trần Thị Hạnh","relation":"mẹ"}}}`
)

// TestDigitiseAndExport: a 1998 birth book digitised by double entry over
// HTTP (one entry typed alike twice, one with a typed difference settled by
// a third official), found by a search across books, printed as an
// extract, and exported in the national exchange's shape equal to a
// hand-written expected file; a later annotation is the next export.
func TestDigitiseAndExport(t *testing.T) {
	_, mai := start(t)
	admin := mai.as("admin", "admin-password")
	for _, u := range []string{"lan", "hoa"} {
		if st, out := admin.do("POST", "/api/v1/users", `{"username":"`+u+`","password":"password-`+u+`","full_name":"Cán bộ `+u+`","roles":["receiver"]}`); st != 201 {
			t.Fatalf("user %s: %d %v", u, st, out)
		}
	}
	lan, hoa := mai.as("lan", "password-lan"), mai.as("hoa", "password-hoa")
	st, b := mai.do("POST", "/api/v1/registers/old", `{"kind":"birth","year":1998,"book":"01"}`)
	if st != 201 || b["id"] != "birth-1998-01" || b["digitised"] != true {
		t.Fatalf("open old book: %d %v", st, b)
	}
	base := "/api/v1/registers/birth-1998-01"
	if st, pg := mai.do("POST", base+"/pages/1", string(scan("png", 60, 40)), "Content-Type", "image/png"); st != 201 || pg["no"] != 1.0 {
		t.Fatalf("page 1: %d %v", st, pg)
	}
	if raw := getAny(t, lan, base+"/pages/1", "image/png"); !strings.HasPrefix(string(raw), "\x89PNG") {
		t.Fatalf("page 1 scan: %.10q", raw)
	}
	for _, typed := range []struct {
		c    *client
		n    string
		body string
	}{{mai, "1", hungTyped}, {mai, "2", luaTyped}, {lan, "1", hungTyped}, {lan, "2", strings.Replace(luaTyped, "Lụa", "Lua", 1)}} {
		if st, d := typed.c.do("POST", base+"/transcriptions/"+typed.n, typed.body); st != 201 {
			t.Fatalf("typing %s: %d %v", typed.n, st, d)
		}
	}
	_, view := hoa.do("GET", base+"/digitising", "")
	entries, _ := view["entries"].([]any)
	if len(entries) != 2 || entries[0].(map[string]any)["status"] != "verified" || entries[1].(map[string]any)["status"] != "disputed" {
		t.Fatalf("book as the third official sees it: %v", view)
	}
	diffs, _ := entries[1].(map[string]any)["differences"].([]any)
	if len(diffs) != 1 || diffs[0].(map[string]any)["field"] != "subject.full_name" {
		t.Fatalf("differences: %v", diffs)
	}
	if _, lanView := lan.do("GET", base+"/digitising", ""); lanView["entries"].([]any)[1].(map[string]any)["differences"] != nil {
		t.Fatalf("a typist sees the differences: %v", lanView)
	}
	if st, e := hoa.do("POST", base+"/entries/2/settle", `{"values":{"subject.full_name":"Trần Thị Lụa"}}`); st != 200 || e["verified_by"] != "hoa" {
		t.Fatalf("settle: %d %v", st, e)
	}
	st, pr := mai.do("GET", "/api/v1/registers/digitising", "")
	if tot, _ := pr["total"].(map[string]any); st != 200 || tot["pages"] != 1.0 || tot["entries"] != 2.0 || tot["verified"] != 2.0 || tot["disputed"] != 0.0 {
		t.Fatalf("progress: %d %v", st, pr)
	}
	if st, out := lan.do("GET", "/api/v1/registers/search?q=tran%20thi%20lua", ""); st != 200 || len(out["items"].([]any)) != 1 {
		t.Fatalf("search across registers: %d %v", st, out)
	}
	if pdf := getRaw(t, lan, base+"/entries/1/extract.pdf"); !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatal("no extract of a digitised entry")
	}

	// The national export equals the hand-written expected file.
	st, exp := mai.do("GET", "/api/v1/registers/export", "")
	if st != 200 || exp["more"] != false {
		t.Fatalf("export: %d %v", st, exp)
	}
	want, err := os.ReadFile("testdata/export-birth-1998.json")
	if err != nil {
		t.Fatal(err)
	}
	var wantItems any
	if err := json.Unmarshal(want, &wantItems); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(exp["items"], wantItems) {
		got, _ := json.MarshalIndent(exp["items"], "", "  ")
		t.Fatalf("export differs from testdata/export-birth-1998.json:\n%s", got)
	}
	next := exp["next"].(string)
	if st, again := mai.do("GET", "/api/v1/registers/export?after="+next, ""); st != 200 || len(again["items"].([]any)) != 0 || again["next"] != next {
		t.Fatalf("export after the last: %d %v", st, again)
	}
	if st, out := mai.do("POST", base+"/entries/1/annotations", `{"note":"Đã cấp bản sao"}`); st != 200 {
		t.Fatalf("annotate: %d %v", st, out)
	}
	_, later := mai.do("GET", "/api/v1/registers/export?after="+next, "")
	items, _ := later["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["so"] != 1.0 || !reflect.DeepEqual(items[0].(map[string]any)["ghiChu"], []any{"Đã cấp bản sao"}) {
		t.Fatalf("the export after an annotation: %v", later)
	}
	if _, page := mai.do("GET", "/api/v1/registers/export?limit=1", ""); len(page["items"].([]any)) != 1 || page["more"] != true {
		t.Fatalf("a page of one: %v", page)
	}

	// Bad input: a clear error, nothing stored.
	if st, out := mai.do("POST", base+"/transcriptions/3", hungTyped); st != 201 {
		t.Fatalf("typing 3: %d %v", st, out)
	}
	bad := []struct{ name, path, body, code, field string }{
		{"same official twice", base + "/transcriptions/3", hungTyped, "conflict", "number"},
		{"a verified entry", base + "/transcriptions/1", hungTyped, "conflict", "number"},
		{"old book of this year", "/api/v1/registers/old", `{"kind":"birth","year":2026,"book":"01"}`, "invalid", "year"},
		{"book opened twice", "/api/v1/registers/old", `{"kind":"birth","year":1998,"book":"01"}`, "conflict", "book"},
		{"page without scan", base + "/transcriptions/4", strings.Replace(hungTyped, `"page":1`, `"page":7`, 1), "invalid", "page"},
		{"settle an agreed entry", base + "/entries/1/settle", `{"values":{"place":"x"}}`, "conflict", "number"},
		{"page 0", base + "/pages/0", "x", "invalid", "page"},
	}
	for _, c := range bad {
		st, out := mai.do("POST", c.path, c.body)
		if code, field := errCode(out); st < 400 || code != c.code || field != c.field {
			t.Errorf("%s: %d %s %s (%v)", c.name, st, code, field, out)
		}
	}
	for _, c := range []struct{ path, code string }{
		{"/api/v1/registers/export?after=x", "invalid"},
		{"/api/v1/registers/search?q=a", "invalid"},
	} {
		if st, out := lan.do("GET", c.path, ""); st != 400 && st != 403 {
			t.Errorf("%s: %d %v", c.path, st, out)
		}
	}
	if st, _ := lan.do("GET", "/api/v1/registers/export", ""); st != 403 {
		t.Errorf("a receiver exports: %d", st)
	}
}
