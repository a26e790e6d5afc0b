//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The registers screen: two births received with their facts and resolved
// through the API are in the year's birth book; a search typed without
// diacritics finds one of them; issuing an extract records the issue
// (copies, requester) and fetches the real PDF of that issue.
func TestRegisters(t *testing.T) {
	desk, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	leader, err := world.login("lanhdao", password("lanhdao"))
	if err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(time.FixedZone("ICT", 7*3600)).Year()
	born := time.Now().AddDate(0, 0, -2).Format("2006-01-02")
	numbers := map[string]int{}
	for i, child := range []string{"Lê Thị Hoà", "Nguyễn Văn Đức"} {
		var d struct {
			Code  string
			Entry *struct{ Number int } `json:"register_entry"`
		}
		code, err := world.api("POST", "/dossiers", desk, map[string]any{"procedure_code": "1.001193",
			"applicant": map[string]string{"full_name": "Người khai " + child, "id_number": fmt.Sprintf("03719000%04d", 8001+i)},
			"facts": map[string]any{"subject": map[string]string{"full_name": child, "sex": "nam"}, "date": born,
				"place": "Trạm y tế xã", "declarant": map[string]string{"full_name": "Người khai " + child, "relation": "cha"}}}, &d)
		if err != nil || code != http.StatusCreated {
			t.Fatalf("receive %s: %d %v", child, code, err)
		}
		if code, err := world.api("POST", "/dossiers/"+d.Code+"/actions", desk, map[string]any{"action": "forward"}, nil); err != nil || code != http.StatusOK {
			t.Fatalf("forward: %d %v", code, err)
		}
		if code, err := world.api("POST", "/dossiers/"+d.Code+"/actions", leader, map[string]any{"action": "resolve"}, &d); err != nil || code != http.StatusOK || d.Entry == nil {
			t.Fatalf("resolve: %d %v %+v", code, err, d.Entry)
		}
		numbers[child] = d.Entry.Number
	}
	book := fmt.Sprintf("birth-%d", year)

	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.waitText("#nav-registers", "Sổ hộ tịch")
	p.click("#nav-registers")
	p.waitFor("#book-"+book, "the birth book of the year")
	if got := p.text("#book-" + book); !strings.Contains(got, "Sổ đăng ký khai sinh") || !strings.Contains(got, fmt.Sprintf("Quyển số 01/%d", year)) {
		p.fail("the book reads %q", got)
	}
	duc, hoa := numbers["Nguyễn Văn Đức"], numbers["Lê Thị Hoà"]
	p.waitFor(fmt.Sprintf("#entry-%d", hoa), "Hoà's entry")
	p.typeInto("#registers-search", "nguyen van duc")
	p.waitJS(fmt.Sprintf(`!document.querySelector('#entry-%d') && !!document.querySelector('#entry-%d')`, hoa, duc),
		"the search without diacritics to keep Đức's entry only")
	if got := p.text(fmt.Sprintf("#entry-%d", duc)); !strings.Contains(got, "Nguyễn Văn Đức") {
		p.fail("Đức's row reads %q", got)
	}
	p.shot("80-registers")

	eval[bool](p, strings.Replace(recordReportFetches, "/api/v1/reports/", "/api/v1/registers/", 1))
	p.click(fmt.Sprintf("#extract-%d", duc))
	p.waitFor("#extract-form", "the extract form")
	eval[bool](p, `(() => { const el = document.querySelector('#extract-copies'); el.value = '2';
		el.dispatchEvent(new Event('input', { bubbles: true })); return true; })()`)
	p.click("#extract-submit")
	p.waitJS(`(window.__reports || []).some((f) => f.url.includes('/extract.pdf'))`, "the extract PDF to be fetched")
	f := eval[fetched](p, `window.__reports.find((f) => f.url.includes('/extract.pdf'))`)
	if f.Status != http.StatusOK || f.Type != "application/pdf" || f.Head != "%PDF-" || !strings.Contains(f.URL, "issue=1") {
		p.fail("the extract fetched %s: HTTP %d %q starting %q", f.URL, f.Status, f.Type, f.Head)
	}
	p.waitPDFTab()
	var e struct {
		Extracts []struct {
			No, Copies int
			By         string
			Requester  string
		}
	}
	if code, err := world.api("GET", fmt.Sprintf("/registers/%s/entries/%d", book, duc), leader, nil, &e); err != nil || code != http.StatusOK {
		t.Fatalf("GET entry: %d %v", code, err)
	}
	if len(e.Extracts) != 1 || e.Extracts[0].Copies != 2 || e.Extracts[0].By != "letiep" || e.Extracts[0].Requester != "Người khai Nguyễn Văn Đức" {
		t.Fatalf("extracts recorded: %+v", e.Extracts)
	}
}
