//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A desk official's day (issue 14), worst first. Each test shows one fix.

// 1. An empty form shows every problem at once, each beside its field in the
// label's words; a date that does not exist says day/month/year; thirteen
// digits of an ID are said while typing; what only the server can see (the
// province part of the ID, an e-mail) comes back all together too.
func TestEveryProblemOfTheFormAtOnce(t *testing.T) {
	p := newPage(t, 1024, 768)
	p.signIn("letiep", password("letiep"))
	p.do(chromedp.WaitVisible(chromedp.CSS(`form.desk[data-ready="true"]`)))
	p.click("#submit")
	p.waitFor(`.field-error[data-for="applicant.full_name"]`, "the name's error")
	for f, want := range map[string]string{
		"procedure_code":      "Vui lòng chọn thủ tục hành chính",
		"applicant.id_number": "Vui lòng nhập số định danh",
		"applicant.full_name": "Vui lòng nhập họ và tên",
	} {
		if got := p.text(`.field-error[data-for="` + f + `"]`); !strings.Contains(got, want) {
			p.fail("%s says %q, want %q", f, got, want)
		}
	}
	if got := p.text("#form-error"); !strings.Contains(got, "3 chỗ cần sửa") {
		p.fail("the banner says %q, want the count of problems", got)
	}
	if id := p.activeID(); id != "procedure" {
		p.fail("focus on %q, want the first field with a problem", id)
	}
	p.typeInto("#date_of_birth", "31/02/1990\t")
	p.waitFor(`.field-error[data-for="applicant.date_of_birth"]`, "the date's error")
	if got := p.text(`.field-error[data-for="applicant.date_of_birth"]`); !strings.Contains(got, "ngày/tháng/năm") || strings.Contains(got, "năm-tháng-ngày") {
		p.fail("31/02/1990 says %q", got)
	}
	p.typeInto("#id_number", "0371900012345")
	p.waitText(`.field-error[data-for="applicant.id_number"]`, "đúng 12 chữ số (đang có 13)")
	p.shot("20-desk-all-problems-at-once")

	// What only the server sees comes back together, each beside its field.
	p.pickProcedure("khai sinh", "Đăng ký khai sinh")
	p.retype("#date_of_birth", "")
	p.retype("#id_number", "999190001234")
	p.typeInto("#full_name", "Nguyễn Thị Hoa")
	p.typeInto("#email", "hoa@")
	p.click("#submit")
	p.waitFor(`.field-error[data-for="applicant.email"]`, "the e-mail's error from the server")
	if got := p.text(`.field-error[data-for="applicant.id_number"]`); !strings.Contains(got, "Mã tỉnh") {
		p.fail("the ID's error from the server is %q", got)
	}
	if id := p.activeID(); id != "id_number" {
		p.fail("focus on %q after the server's answer, want the ID field", id)
	}
	p.shot("21-desk-server-problems-together")
}

// retype replaces what a field holds with text, as an official selecting
// all (Ctrl+A) and typing over it.
func (p *page) retype(sel, text string) {
	p.t.Helper()
	p.do(chromedp.Focus(chromedp.CSS(sel)), keys("a", int64(chromedp.ModifierCtrl)), keys("\b"+text, 0))
}

// waitPrinted waits until the page has printed a form from itself: the PDF
// in the hidden print frame, the print dialog called on it, and no tab
// opened. (Headless Chromium shows no print dialog; window.print returns at
// once, so the test sees the call, not the paper.)
func (p *page) waitPrinted() {
	p.t.Helper()
	p.waitJS(`performance.getEntriesByName('xaso:printed').length > 0`, "the form to be printed from the page")
	if src := eval[string](p, `document.querySelector('#print-frame')?.src ?? ''`); !strings.HasPrefix(src, "blob:") {
		p.fail("no print frame holding the PDF (src %q)", src)
	}
	targets, err := chromedp.Targets(p.ctx)
	if err != nil {
		p.fail("list tabs: %v", err)
	}
	for _, tg := range targets {
		if tg.Type == "page" && strings.HasPrefix(tg.URL, "blob:") {
			p.fail("printing opened a tab on %s", tg.URL)
		}
	}
}
