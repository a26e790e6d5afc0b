//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// setValue sets an input's or a select's value as a user would (the
// framework hears an input and a change event): date inputs take
// YYYY-MM-DD this way on every locale.
func (p *page) setValue(sel, v string) {
	p.t.Helper()
	p.waitFor(sel, sel)
	eval[bool](p, fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.value = %s;
		el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`,
		jsString(sel), jsString(v)))
}

// typeEntry fills the typing form of an old book's entry.
func (p *page) typeEntry(number int, child string) {
	p.t.Helper()
	p.setValue("#typing-number", fmt.Sprint(number))
	p.setValue("#typing-page", "1")
	p.setValue("#typing-registered_on", "1998-04-02")
	p.setValue("#typing-signer", "Phạm Văn Đông")
	p.setValue("#typing-subject-full_name", child)
	p.setValue("#typing-subject-sex", "nam")
	p.setValue("#typing-date", "1998-03-20")
	p.setValue("#typing-place", "Nhà hộ sinh xã Yên Mô")
	p.setValue("#typing-mother-full_name", "Đỗ Thị Lan")
	p.setValue("#typing-declarant-full_name", "Đỗ Thị Lan")
	p.setValue("#typing-declarant-relation", "mẹ")
}

// An old 1998 birth book digitised in the browser: opened, a page scan
// attached, an entry typed by one official and blind by a second with a
// typing difference, the difference settled by a third, the commune's
// progress counted, and the verified entry found in the register.
func TestDigitiseOldBook(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for x := range 120 {
		img.Set(x, x%80, color.RGBA{G: 120, A: 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	scan := filepath.Join(t.TempDir(), "so-khai-sinh-1998-trang-1.png")
	if err := os.WriteFile(scan, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	book := "birth-1998-03"
	at := world.base + "/#/registers/digitise%2F" + book

	p := newPage(t, 1366, 900)
	p.signIn("letiep", password("letiep"))
	p.click("#nav-registers")
	p.click("#nav-digitise")
	p.waitText("h1", "Số hóa sổ hộ tịch cũ")
	// Every problem of the opening form at once.
	p.setValue("#oldbook-book", "0/3")
	p.click("#oldbook-submit")
	p.waitFor(`#oldbook-form .field-error[data-for="book"]`, "the book number's error")
	if !p.exists(`#oldbook-form .field-error[data-for="year"]`) {
		p.fail("the year's error is not shown with the book's: %s", p.text("#oldbook-form"))
	}
	p.setValue("#oldbook-year", "1998")
	p.setValue("#oldbook-book", "03")
	p.click("#oldbook-submit")
	p.waitText("#oldbook-title", "Quyển số 03/1998")

	p.setValue("#page-no", "1")
	p.do(chromedp.SetUploadFiles(chromedp.ID("page-file"), []string{scan}))
	p.click("#page-submit")
	p.waitFor("#page-1", "the scan of page 1")
	p.click("#page-1")
	p.waitJS(`(() => { const i = document.querySelector('#page-view'); return !!i && i.complete && i.naturalWidth === 120; })()`, "the page scan shown")

	// A typing with every problem at once, then the first typing.
	p.click("#typing-submit")
	p.waitFor("#typing-error", "the typing's problems")
	for _, f := range []string{"registered_on", "facts.subject.full_name", "facts.date", "facts.place", "facts.declarant.full_name"} {
		if !p.exists(fmt.Sprintf(`#typing-form .field-error[data-for=%q]`, f)) {
			p.fail("no error for %s among %s", f, p.text("#typing-form"))
		}
	}
	p.typeEntry(1, "Hoàng Văn Sơn")
	p.click("#typing-submit")
	p.waitText("#typing-done", "chờ cán bộ thứ hai")
	p.waitText("#draft-1", "Chờ nhập lần hai")

	// The second official types blind: nothing of the first typing shows.
	second := newPage(t, 1366, 900)
	second.signIn("chuyenvien", password("chuyenvien"))
	second.do(chromedp.Navigate(at))
	second.waitText("#draft-1", "Cần nhập lần hai")
	if strings.Contains(second.text("main"), "Hoàng Văn Sơn") || second.value("#typing-subject-full_name") != "" {
		second.fail("the second typist sees the first typing: %s", second.text("main"))
	}
	second.typeEntry(1, "Hoàng Văn Sơm")
	second.click("#typing-submit")
	second.waitText("#typing-done", "hai lần nhập khác nhau")
	if second.exists("#settle-1") {
		second.fail("a typist is shown the differences")
	}

	// The third look: both values, the one in the book chosen.
	third := newPage(t, 1366, 900)
	third.signIn("lanhdao", password("lanhdao"))
	third.do(chromedp.Navigate(at))
	third.waitFor("#settle-1", "the differences of entry 1")
	if got := third.text("#settle-1"); !strings.Contains(got, "Hoàng Văn Sơn") || !strings.Contains(got, "Hoàng Văn Sơm") || !strings.Contains(got, "subject.full_name") {
		third.fail("the differences read %q", got)
	}
	eval[bool](third, `(document.querySelector('#draft-entries').scrollIntoView(), true)`)
	third.shot("81-digitise-third-look")
	third.click(`#settle-1 input[type=radio][value="Hoàng Văn Sơn"]`)
	third.click("#settle-submit-1")
	third.waitText("#draft-1", "Đã đối chiếu")
	third.waitText("#progress-"+book, "1")
	if got := eval[string](third, `Array.from(document.querySelectorAll('#digitise-total th')).map((c) => c.textContent.trim()).join('|')`); got != "Toàn xã|1|1|1|0" {
		third.fail("the commune's progress reads %q", got)
	}
	third.shot("82-digitise-progress")

	// The verified entry is an entry of the register, found without diacritics.
	third.click("#draft-1 a")
	third.waitFor("#book-"+book, "the old book among the registers")
	third.waitText("#entry-1", "Hoàng Văn Sơn")
	var e struct {
		Facts struct {
			Subject struct {
				FullName string `json:"full_name"`
			}
		}
		Page       int
		VerifiedBy string `json:"verified_by"`
	}
	leader, err := world.login("lanhdao", password("lanhdao"))
	if err != nil {
		t.Fatal(err)
	}
	if code, err := world.api("GET", "/registers/"+book+"/entries/1", leader, nil, &e); err != nil || code != http.StatusOK ||
		e.Facts.Subject.FullName != "Hoàng Văn Sơn" || e.Page != 1 || e.VerifiedBy != "lanhdao" {
		t.Fatalf("entry: %d %v %+v", code, err, e)
	}
}

// The desk collects a birth's facts when it receives the dossier (every
// problem at once); the resolved dossier shows its register entry, which
// links to the register and to the extract.
func TestDeskBirthFacts(t *testing.T) {
	p := newPage(t, 1366, 1000)
	p.signIn("letiep", password("letiep"))
	p.pickProcedure("khai sinh", "Đăng ký khai sinh")
	p.waitFor(`.facts-form[data-kind="birth"]`, "the birth's facts")
	p.typeInto("#id_number", "037194004455")
	p.typeInto("#full_name", "Vũ Thị Mai")
	p.typeInto("#date_of_birth", "12/08/1994")
	p.typeInto("#phone", "0912 555 666")
	p.setValue("#facts-subject-sex", "")
	p.setValue("#facts-date", time.Now().AddDate(0, 0, -3).Format("2006-01-02"))
	time.Sleep(700 * time.Millisecond) // past the desk's guard against a scanner's Enter
	p.click("#submit")
	p.waitFor(`.field-error[data-for="facts.subject.full_name"]`, "the child's name error")
	for _, f := range []string{"facts.subject.sex", "facts.place"} {
		if !p.exists(fmt.Sprintf(`.field-error[data-for=%q]`, f)) {
			p.fail("no error for %s with the child's name", f)
		}
	}
	if got := p.text("#form-error"); !strings.Contains(got, "3") {
		p.fail("the banner says %q, not the 3 problems: %s", got,
			eval[string](p, `Array.from(document.querySelectorAll('.field-error')).map((e) => e.dataset.for + ': ' + e.textContent).join('; ')`))
	}
	p.shot("83-desk-birth-facts-errors")
	p.setValue("#facts-subject-full_name", "Vũ Minh Khang")
	p.setValue("#facts-subject-sex", "nam")
	p.setValue("#facts-place", "Trạm y tế xã Yên Mô")
	p.setValue("#facts-mother-full_name", "Vũ Thị Mai")
	time.Sleep(700 * time.Millisecond)
	p.click("#submit")
	p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
	code := p.text("#receipt-code")

	desk, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	leader, err := world.login("lanhdao", password("lanhdao"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Entry *struct {
			Register string
			Book     string
			Number   int
		} `json:"register_entry"`
	}
	if st, err := world.api("POST", "/dossiers/"+code+"/actions", desk, map[string]any{"action": "forward"}, nil); err != nil || st != http.StatusOK {
		t.Fatalf("forward: %d %v", st, err)
	}
	if st, err := world.api("POST", "/dossiers/"+code+"/actions", leader, map[string]any{"action": "resolve"}, &d); err != nil || st != http.StatusOK || d.Entry == nil {
		t.Fatalf("resolve: %d %v %+v", st, err, d.Entry)
	}
	var e struct {
		Facts struct {
			Declarant struct {
				FullName string `json:"full_name"`
			}
		}
	}
	if st, err := world.api("GET", fmt.Sprintf("/registers/%s/entries/%d", d.Entry.Register, d.Entry.Number), leader, nil, &e); err != nil || st != 200 ||
		e.Facts.Declarant.FullName != "Vũ Thị Mai" {
		t.Fatalf("the declarant is not the applicant: %d %v %+v", st, err, e)
	}

	p.do(chromedp.Navigate(world.base + "/#/dossiers/" + code))
	p.waitFor("#dossier-register-entry", "the dossier's register entry")
	want := fmt.Sprintf("Số %d, quyển số %s, sổ %s", d.Entry.Number, d.Entry.Book, d.Entry.Register)
	if got := p.text("#dossier-register-entry"); !strings.Contains(got, want) {
		p.fail("the entry reads %q, want %q", got, want)
	}
	p.shot("84-dossier-register-entry")
	eval[bool](p, strings.Replace(recordReportFetches, "/api/v1/reports/", "/api/v1/registers/", 1))
	p.click("#dossier-entry-extract")
	p.waitJS(`(window.__reports || []).some((f) => f.url.includes('/extract.pdf'))`, "the extract PDF to be fetched")
	f := eval[fetched](p, `window.__reports.find((f) => f.url.includes('/extract.pdf'))`)
	if f.Status != http.StatusOK || f.Type != "application/pdf" || f.Head != "%PDF-" {
		p.fail("the extract fetched %s: HTTP %d %q starting %q", f.URL, f.Status, f.Type, f.Head)
	}
	p.waitPDFTab()
	p.click("#dossier-entry-link")
	p.waitText(fmt.Sprintf("#entry-%d", d.Entry.Number), "Vũ Minh Khang")
}
