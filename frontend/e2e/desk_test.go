//go:build e2e

package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// A chip ID card's QR as a USB scanner types it (Vietnamese letters included),
// ending with Enter. The ID encodes a woman born in 1990 in province 037. It
// is the 11-field form of cards issued since mid-2024 (the last four fields
// empty), which most cards in circulation carry (issue 12, point 1).
const scannedQR = "037190001234|164512345|Nguyễn Thị Hoà|05031990|Nữ|Thôn Yên Hòa, xã Yên Mô, Ninh Bình|15082024||||\r"

var codeShape = regexp.MustCompile(`^000\.00\.31\.H42-\d{6}-\d{4}$`)

// pickProcedure types a procedure name without diacritics and takes the
// first match with Enter.
func (p *page) pickProcedure(typed, want string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.CSS(`form.desk[data-ready="true"]`)))
	p.typeInto("#procedure", typed)
	p.waitText("#procedure-list", want)
	first := p.text("#procedure-list li")
	if !strings.Contains(first, want) {
		p.fail("first match for %q is %q, want %q", typed, first, want)
	}
	p.key("\r")
	p.waitFor("#procedure-info", "procedure picked")
	if got := p.value("#procedure"); got != want {
		p.fail("picked %q, want %q", got, want)
	}
	if id := p.activeID(); id != "id_number" {
		p.fail("after picking, focus is on %q, want the ID field", id)
	}
}

func hasVietnameseLetters(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// The whole life of a dossier through the UI, by three officials: received at
// the desk (bad ID rejected, fixed by scanning the ID card), forwarded,
// found by a name typed without diacritics, resolved, and returned.
func TestDossierFromDeskToReturned(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	if !strings.Contains(p.text("#sb-conn"), "Đã kết nối") {
		p.waitText("#sb-conn", "Đã kết nối")
	}
	p.pickProcedure("khai sinh", "Đăng ký khai sinh")
	p.waitText(".checklist", "Giấy chứng sinh")

	// A mistyped ID: the server's Vietnamese message shows next to the ID
	// field, and nothing typed is lost.
	p.typeInto("#id_number", "03719000123")
	p.typeInto("#full_name", "Nguyễn Thị Hoa")
	p.typeInto("#date_of_birth", "05/03/1990")
	p.typeInto("#address", "Thôn Yên Hòa")
	p.typeInto("#phone", "0912 345 678\r")
	p.waitFor(`.field-error[data-for="applicant.id_number"]`, "the ID error")
	got := p.text(`.field-error[data-for="applicant.id_number"]`)
	want := apiMessageForBadID(t)
	if got != want {
		p.fail("ID error %q, want the API's message %q", got, want)
	}
	if !hasVietnameseLetters(got) {
		p.fail("ID error %q is not in Vietnamese", got)
	}
	for sel, v := range map[string]string{"#full_name": "Nguyễn Thị Hoa", "#date_of_birth": "05/03/1990",
		"#phone": "0912 345 678", "#id_number": "03719000123", "#procedure": "Đăng ký khai sinh"} {
		if got := p.value(sel); got != v {
			p.fail("after the failed submit %s = %q, want %q (the form must be kept)", sel, got, v)
		}
	}
	if id := p.activeID(); id != "id_number" {
		p.fail("focus on %q after the error, want the ID field", id)
	}
	if p.exists("#receipt") {
		p.fail("a receipt appeared for a rejected dossier")
	}
	p.shot("01-desk-bad-id")

	// The scanner types the card's QR into the ID field: the form fills in and
	// the scanner's Enter does not submit.
	p.do(chromedp.Focus(chromedp.ID("id_number")), keys("a", int64(chromedp.ModifierCtrl)))
	p.key(scannedQR)
	p.waitText("#id-hint", "Đã điền từ mã QR")
	for sel, v := range map[string]string{"#full_name": "Nguyễn Thị Hoà", "#date_of_birth": "05/03/1990",
		"#address": "Thôn Yên Hòa, xã Yên Mô, Ninh Bình", "#phone": "0912 345 678"} {
		if got := p.value(sel); got != v {
			p.fail("after the scan %s = %q, want %q", sel, got, v)
		}
	}
	if got := p.value("#id_number"); got != "037190001234" {
		p.fail("after the scan the ID is %q", got)
	}
	if p.exists("#receipt") {
		p.fail("the scanner's Enter submitted the form")
	}
	p.shot("02-desk-qr-filled")

	// The first paper is an original: form 01's column "bản chính, bản sao"
	// comes from the desk form (issue 12, point 7).
	p.waitFor(`#doc-form-0 option[value="original"]`, "the original/copy choice of the first paper")
	eval[bool](p, `(() => { const s = document.querySelector('#doc-form-0'); s.value = 'original';
		s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)

	// Enter submits; the receipt shows the code and the due date.
	time.Sleep(700 * time.Millisecond) // past the guard against the scanner's Enter
	p.key("\r")
	p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
	code := p.text("#receipt-code")
	if !codeShape.MatchString(code) {
		p.fail("dossier code %q does not look like <agency>-YYMMDD-XXXX", code)
	}
	if p.text("#receipt-due") == "" {
		p.fail("no due date on the receipt")
	}
	if href := eval[string](p, `document.querySelector('#print-receipt').getAttribute('href')`); href != "/api/v1/dossiers/"+code+"/forms/01.pdf" {
		p.fail("print link %q", href)
	}
	p.shot("03-receipt")

	// F9 prints: the receipt PDF is fetched with the token and printed
	// from the page (issue 14, point 3).
	p.key(kbF9)
	p.waitPrinted()
	if p.exists("#receipt .error") {
		p.fail("printing failed: %s", p.text("#receipt .error"))
	}

	// Forward it for processing.
	p.click("#open-dossier")
	p.waitText("#dossier-status", "Được tiếp nhận")
	// … to the specialist, chosen from the officials who can take it.
	p.waitFor(`#assignee option[value="chuyenvien"]`, "the specialist in the forward picker")
	eval[bool](p, `(() => { const s = document.querySelector('#assignee'); s.value = 'chuyenvien';
		s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	p.click(`button[data-action="forward"]`)
	p.waitText("#dossier-status", "Đang xử lý")
	p.signOut()

	// The specialist sees it in their own queue, and finds it by the name
	// typed without diacritics.
	p.signIn("chuyenvien", password("chuyenvien"))
	p.waitText("#results tbody", code)
	p.key("/")
	p.waitJS(`document.activeElement?.id === 'search'`, "the search box to take focus on /")
	p.key("nguyen thi hoa")
	p.waitText("#results tbody", code)
	if row := p.text("#results tbody"); !strings.Contains(row, "Nguyễn Thị Hoà") {
		p.fail("results %q lack the applicant's name with diacritics", row)
	}
	p.shot("04-search-without-diacritics")
	p.click(`#results a[href$="` + code + `"]`)
	p.waitText("#dossier-status", "Đang xử lý")
	p.click(`button[data-action="request_supplement"]`)
	p.do(chromedp.WaitVisible(chromedp.ID("confirm-action")))
	p.shot("04b-dossier-actions")
	p.click(`#confirm-action`) // without the reason the API requires
	p.waitFor(".detail .field-error", "the missing reason to be reported")
	if msg := p.text(".detail .field-error"); !hasVietnameseLetters(msg) {
		p.fail("missing-reason error %q", msg)
	}
	p.click(`.detail button[type="button"]`) // cancel
	p.click(`button[data-action="resolve"]`)
	p.click("#confirm-action") // it cannot be taken back: asked once
	p.waitText("#dossier-status", "Đã xử lý xong")
	p.signOut()

	// The desk hands the result to the citizen.
	p.signIn("letiep", password("letiep"))
	p.do(chromedp.Navigate(world.base + "/#/dossiers/" + code))
	p.waitText("#dossier-status", "Đã xử lý xong")
	if p.exists(`button[data-action="resolve"]`) {
		p.fail("the desk officer is offered resolve, which only specialists and leaders may do")
	}
	p.click(`button[data-action="return"]`)
	p.click("#confirm-action")
	p.waitText("#dossier-status", "Đã trả kết quả")
	p.waitText("#timeline", "Trả kết quả")
	if p.exists(`.actions button`) {
		p.fail("a returned dossier still offers actions: %s", p.text(".actions"))
	}
	p.shot("05-dossier-returned")

	// The server agrees.
	tok, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Status    string `json:"status"`
		Applicant struct {
			FullName string `json:"full_name"`
			IDNumber string `json:"id_number"`
		} `json:"applicant"`
		Documents []struct {
			Form string `json:"form"`
		} `json:"documents"`
	}
	if code, err := world.api("GET", "/dossiers/"+code, tok, nil, &d); err != nil || code != http.StatusOK {
		t.Fatalf("GET dossier: %d %v", code, err)
	}
	if d.Status != "returned" || d.Applicant.FullName != "Nguyễn Thị Hoà" || d.Applicant.IDNumber != "037190001234" ||
		len(d.Documents) == 0 || d.Documents[0].Form != "original" {
		t.Fatalf("server has %+v", d)
	}

	// The dashboard counts it.
	p.key(kbF4)
	p.do(chromedp.WaitVisible(chromedp.ID("chart-status")))
	p.waitFor(`#chart-status g[data-status="returned"]`, "a returned bar")
	p.shot("06-dashboard")
}

const (
	kbF4 = "\u0804"
	kbF9 = "\u0809"
)

// waitPDFTab waits for the tab the print button opens on the fetched PDF,
// closes it and brings the desk back to the front (a background tab's
// timers and rendering are throttled).
func (p *page) waitPDFTab() {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		targets, err := chromedp.Targets(p.ctx)
		if err != nil {
			p.fail("list tabs: %v", err)
		}
		for _, tg := range targets {
			if strings.HasPrefix(tg.URL, "blob:"+world.base) {
				if _, err := chromedp.CallBrowser(p.ctx, target.CloseTarget, target.CloseTargetParams{TargetID: tg.TargetID}); err != nil {
					p.fail("close the PDF tab: %v", err)
				}
				if _, err := chromedp.Call(p.ctx, cdppage.BringToFront, cdp.Empty{}); err != nil {
					p.fail("bring the desk to the front: %v", err)
				}
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.fail("no tab opened on the receipt PDF")
}

// apiMessageForBadID asks the API directly what it says about the same bad ID.
func apiMessageForBadID(t *testing.T) string {
	t.Helper()
	tok, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Error struct {
			Code, Message, Field string
		} `json:"error"`
	}
	code, err := world.api("POST", "/dossiers", tok, map[string]any{
		"procedure_code": "1.001193",
		"applicant":      map[string]string{"full_name": "Nguyễn Thị Hoa", "id_number": "03719000123", "date_of_birth": "1990-03-05"},
		"documents":      []map[string]any{{"name": "Tờ khai", "copies": 1}},
	}, &e)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusBadRequest || e.Error.Field != "applicant.id_number" || e.Error.Message == "" {
		t.Fatalf("API answered %d %+v for a bad ID", code, e.Error)
	}
	return e.Error.Message
}

// The forward picker's officials are asked once per sign-in: a second
// dossier that can be forwarded shows them without asking again.
func TestForwardPickerAsksOnce(t *testing.T) {
	first, _ := receiveForTest(t, "Đỗ Văn Một", "001190007711")
	second, _ := receiveForTest(t, "Đỗ Văn Hai", "001190007722")
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.do(chromedp.Navigate(world.base + "/#/dossiers/" + first))
	p.waitFor(`#assignee option[value="chuyenvien"]`, "the specialist in the forward picker")
	p.recordCalls()
	eval[bool](p, `(location.hash = '#/dossiers/' + encodeURIComponent(`+jsString(second)+`), true)`)
	p.waitText("#dossier-code", second)
	p.waitFor(`#assignee option[value="chuyenvien"]`, "the specialist in the second dossier's picker")
	if calls := p.calls("/api/v1/officials"); len(calls) != 0 {
		p.fail("the officials were asked again: %v", calls)
	}
}
