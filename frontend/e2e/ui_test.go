//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func TestSignInRejectsBadPassword(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.do(chromedp.Navigate(world.base + "/"))
	p.typeInto("#username", "letiep")
	p.typeInto("#password", "not-the-password\r")
	p.do(chromedp.WaitVisible(chromedp.ID("login-error")))
	msg := p.text("#login-error")
	if !hasVietnameseLetters(msg) {
		p.fail("sign-in error %q is not Vietnamese", msg)
	}
	if got := p.value("#username"); got != "letiep" {
		p.fail("username %q after a failed sign-in, want it kept", got)
	}
	if p.exists("header nav") {
		p.fail("signed in with a wrong password")
	}
	p.shot("10-signin-bad-password")
}

// countDossiers asks the API how many dossiers match q.
func countDossiers(t *testing.T, q string) int {
	t.Helper()
	tok, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []struct{ Code string } `json:"items"`
	}
	code, err := world.api("GET", "/dossiers?q="+q, tok, nil, &page)
	if err != nil || code != http.StatusOK {
		t.Fatalf("list dossiers: %d %v", code, err)
	}
	return len(page.Items)
}

// The desk loses its connection while submitting: the form stays as it was,
// the message says so, and the retry after the link is back saves exactly
// one dossier.
func TestFailedSubmitKeepsTheForm(t *testing.T) {
	const id = "001085004321" // a man born in 1985, province 001
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.pickProcedure("ket hon", "Đăng ký kết hôn")
	p.typeInto("#id_number", id)
	p.typeInto("#full_name", "Đỗ Văn Bình")
	p.typeInto("#date_of_birth", "12/12/1985")
	p.typeInto("#address", "Xóm 3, xã Yên Mô")

	block := func(on bool) {
		var pats []*network.BlockPattern
		if on {
			pats = []*network.BlockPattern{{URLPattern: "*://*:*/api/v1/dossiers", Block: true}}
		}
		if _, err := chromedp.Call(p.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: pats}); err != nil {
			p.fail("block URLs: %v", err)
		}
	}
	block(true)
	p.typeInto("#phone", "0987654321\r")
	p.waitText("#form-error", "Không kết nối được với máy chủ")
	for sel, v := range map[string]string{"#id_number": id, "#full_name": "Đỗ Văn Bình", "#date_of_birth": "12/12/1985",
		"#address": "Xóm 3, xã Yên Mô", "#phone": "0987654321", "#procedure": "Đăng ký kết hôn"} {
		if got := p.value(sel); got != v {
			p.fail("after the failed submit %s = %q, want %q", sel, got, v)
		}
	}
	p.shot("11-desk-offline-kept")
	if n := countDossiers(t, id); n != 0 {
		t.Fatalf("%d dossiers saved while the desk was cut off", n)
	}

	block(false)
	p.click("#submit")
	p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
	if n := countDossiers(t, id); n != 1 {
		t.Fatalf("%d dossiers for the applicant after the retry, want 1", n)
	}
}

// The desk fits the office screens: nothing sticks out sideways and the
// Receive button is on screen without scrolling.
func TestDeskFitsOfficeScreens(t *testing.T) {
	for _, s := range []struct{ w, h int64 }{{1024, 768}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			p := newPage(t, s.w, s.h)
			p.signIn("letiep", password("letiep"))
			p.pickProcedure("chung thuc ban sao", "Chứng thực bản sao từ bản chính")
			overflow := eval[bool](p, `document.documentElement.scrollWidth > window.innerWidth`)
			if overflow {
				p.fail("the desk is wider than %d px: scrollWidth %d", s.w, eval[int](p, `document.documentElement.scrollWidth`))
			}
			bottom := eval[float64](p, `document.querySelector('#submit').getBoundingClientRect().bottom`)
			if bar := eval[float64](p, `document.querySelector('#statusbar').getBoundingClientRect().top`); bottom > bar {
				p.fail("the Receive button ends at y=%.0f, under the status bar (from y=%.0f) of the %d px screen", bottom, bar, s.h)
			}
			p.nothingCut("#statusbar")
			p.shot(fmt.Sprintf("12-desk-%dx%d", s.w, s.h))
		})
	}
}

// English on request: labels switch, the choice survives a reload, and the
// API's errors come in English too.
func TestEnglishSwitch(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.click("#lang")
	p.waitText("header nav", "Receive")
	p.do(chromedp.Reload())
	p.waitText("header nav", "Receive")
	p.pickProcedure("khai sinh", "Birth registration")
	p.typeInto("#full_name", "Nguyen Van A")
	p.typeInto("#id_number", "12\r")
	p.waitFor(`.field-error[data-for="applicant.id_number"]`, "the ID error")
	msg := p.text(`.field-error[data-for="applicant.id_number"]`)
	if hasVietnameseLetters(msg) || !strings.Contains(strings.ToLower(msg), "12 digits") {
		p.fail("English ID error is %q", msg)
	}
	p.shot("13-desk-english")
	p.click("#lang")
	p.waitText("header nav", "Tiếp nhận")
}

// Switching the language only changes the words: the screen's data is not
// fetched again (the API client reads the language without making the
// screens that call it depend on it).
func TestLanguageSwitchKeepsTheData(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.key(kbF4)
	p.do(chromedp.WaitVisible(chromedp.ID("stat-total")))
	p.recordCalls()
	p.click("#lang")
	p.waitText("section.dashboard h1", "Statistics")
	// Only the status bar's /health poll may run meanwhile.
	var calls []string
	for _, u := range p.calls("/api/v1/") {
		if !strings.HasSuffix(u, "/api/v1/health") {
			calls = append(calls, u)
		}
	}
	if len(calls) != 0 {
		p.fail("switching the language fetched %v again", calls)
	}
	p.click("#lang")
	p.waitText("header nav", "Tiếp nhận")
}

// F2 starts a new dossier from anywhere; F3 and F4 open the lists and the
// statistics; Esc goes back from a dossier.
func TestShortcuts(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.key(kbF4)
	p.do(chromedp.WaitVisible(chromedp.CSS("section.dashboard")))
	p.key(kbF3)
	p.do(chromedp.WaitVisible(chromedp.ID("search")))
	p.key(kbF2)
	p.do(chromedp.WaitVisible(chromedp.CSS(`form.desk[data-ready="true"]`)))
	p.typeInto("#full_name", "Tên tạm")
	p.key(kbF2)
	p.waitJS(`document.querySelector('#full_name')?.value === ''`, "F2 to start a new, empty dossier")
	if id := p.activeID(); id != "procedure" {
		p.fail("F2 left the focus on %q, want the procedure picker", id)
	}

	// The status bar opens the list of the commune's PCs (here: alone).
	p.click("#sb-cluster")
	p.waitText("#peers", "làm việc một mình")
	p.shot("15-peers")
	p.key("\u001b")
	p.do(chromedp.WaitNotPresent(chromedp.ID("peers")))
}

const (
	kbF2 = "\u0802"
	kbF3 = "\u0803"
)

// A session that ends while a dossier is being entered (revoked, expired)
// asks for the password again over the form, and the form survives.
func TestExpiredSessionKeepsTheForm(t *testing.T) {
	const id = "036192005678" // a woman born in 1992, province 036
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.pickProcedure("khai tu", "Đăng ký khai tử")
	p.typeInto("#id_number", id)
	p.typeInto("#full_name", "Vũ Thị Lan")
	p.typeInto("#address", "Xóm 5")

	token := eval[string](p, `JSON.parse(sessionStorage.getItem('xaso.session')).token`)
	if code, err := world.api("DELETE", "/sessions/current", token, nil, nil); err != nil || code != http.StatusNoContent {
		t.Fatalf("revoke the session: %d %v", code, err)
	}
	p.typeInto("#phone", "0911222333\r")
	p.do(chromedp.WaitVisible(chromedp.CSS("#expired #username")))
	if got := p.value("#full_name"); got != "Vũ Thị Lan" {
		p.fail("under the sign-in form the name is %q", got)
	}
	p.shot("14-session-expired")
	p.typeInto("#expired #username", "letiep")
	p.typeInto("#expired #password", password("letiep")+"\r")
	p.do(chromedp.WaitNotPresent(chromedp.ID("expired")))
	for sel, v := range map[string]string{"#id_number": id, "#full_name": "Vũ Thị Lan", "#phone": "0911222333"} {
		if got := p.value(sel); got != v {
			p.fail("after signing in again %s = %q, want %q", sel, got, v)
		}
	}
	p.click("#submit")
	p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
	if n := countDossiers(t, id); n != 1 {
		t.Fatalf("%d dossiers for the applicant, want 1", n)
	}
}

// The statistics opened after the session ended ask for the password, and
// show the figures as soon as the official has signed in again, without
// waiting for the next refresh.
func TestDashboardLoadsAfterSigningInAgain(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	token := eval[string](p, `JSON.parse(sessionStorage.getItem('xaso.session')).token`)
	if code, err := world.api("DELETE", "/sessions/current", token, nil, nil); err != nil || code != http.StatusNoContent {
		t.Fatalf("revoke the session: %d %v", code, err)
	}
	p.key(kbF4)
	p.do(chromedp.WaitVisible(chromedp.CSS("#expired #username")))
	if p.exists("#stat-total") {
		p.fail("figures shown without a session")
	}
	p.typeInto("#expired #username", "letiep")
	p.typeInto("#expired #password", password("letiep")+"\r")
	p.do(chromedp.WaitNotPresent(chromedp.ID("expired")))
	// Within waitJS's 15 s, well before the 30 s refresh.
	p.waitFor("#stat-total", "the figures")
	if p.exists("section.dashboard .error") {
		p.fail("the dashboard still shows %q after signing in again", p.text("section.dashboard .error"))
	}
}

// A dossier received on paper during an outage is entered later with the
// time it was really received; the receipt and the server keep that time.
func TestPaperReceiptEnteredLater(t *testing.T) {
	const id = "034088001122" // a man born in 1988, province 034
	ict := time.FixedZone("ICT", 7*3600)
	at := time.Now().In(ict).Add(-26 * time.Hour).Truncate(time.Minute)
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.pickProcedure("trich luc", "Cấp bản sao trích lục hộ tịch")
	p.typeInto("#id_number", id)
	p.typeInto("#full_name", "Lê Văn Tâm")
	p.click(`label.check input[type="checkbox"]`)
	p.typeInto("#received_at", at.Format("02/01/2006 15:04")+"\r")
	p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
	if got, want := p.text("#receipt dl"), at.Format("02/01/2006 15:04"); !strings.Contains(got, want) {
		p.fail("receipt %q lacks the paper receipt time %s", got, want)
	}
	code := p.text("#receipt-code")
	tok, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		ReceivedAt time.Time `json:"received_at"`
		EnteredAt  time.Time `json:"entered_at"`
	}
	if c, err := world.api("GET", "/dossiers/"+code, tok, nil, &d); err != nil || c != http.StatusOK {
		t.Fatalf("GET dossier: %d %v", c, err)
	}
	if !d.ReceivedAt.Equal(at) {
		t.Fatalf("server received_at %s, want %s", d.ReceivedAt, at)
	}
	if !d.EnteredAt.After(d.ReceivedAt) {
		t.Fatalf("entered_at %s is not after received_at %s", d.EnteredAt, d.ReceivedAt)
	}
}

// A scan the server cannot read (here an impossible birth date) is reported
// next to the ID field in Vietnamese and fills nothing.
func TestUnreadableScan(t *testing.T) {
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.pickProcedure("khai sinh", "Đăng ký khai sinh")
	p.typeInto("#full_name", "Tên đã gõ")
	p.typeInto("#id_number", "037190001234|164512345|Nguyễn Thị Hoà|31021990|Nữ|Thôn Yên Hòa|15082021\r")
	p.do(chromedp.WaitVisible(chromedp.ID("qr-error")))
	if msg := p.text("#qr-error"); !hasVietnameseLetters(msg) {
		p.fail("scan error %q is not Vietnamese", msg)
	}
	if got := p.value("#full_name"); got != "Tên đã gõ" {
		p.fail("an unreadable scan changed the name to %q", got)
	}
	if got := p.value("#id_number"); got != "037190001234" {
		p.fail("ID field %q after an unreadable scan", got)
	}
	if p.exists("#receipt") {
		p.fail("the scanner's Enter submitted the form")
	}
	p.shot("16-unreadable-scan")
}

// A scanner set up without Enter, on a busy PC that delivers the string in
// two bursts: the pause in the middle must not cut the scan, and the end
// of a complete string fills the form by itself.
func TestScanInBurstsWithoutEnter(t *testing.T) {
	qr := strings.TrimSuffix(scannedQR, "\r")
	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.pickProcedure("khai sinh", "Đăng ký khai sinh")
	cut := strings.Index(qr, "|Nữ") // mid-string, on a character boundary
	p.typeInto("#id_number", qr[:cut])
	time.Sleep(700 * time.Millisecond)
	p.key(qr[cut:])
	p.waitText("#id-hint", "Đã điền từ mã QR")
	for sel, v := range map[string]string{"#id_number": "037190001234", "#full_name": "Nguyễn Thị Hoà", "#date_of_birth": "05/03/1990"} {
		if got := p.value(sel); got != v {
			p.fail("after the scan %s = %q, want %q", sel, got, v)
		}
	}
	if p.exists("#qr-error") || p.exists("#receipt") {
		p.fail("the scan was cut or submitted")
	}
}

// nothingCut fails when a part of the element matching sel is cut: wider
// than its box (an ellipsis) or past the window's right edge (issue 14,
// point 7: nothing cut at 1024×768).
func (p *page) nothingCut(sel string) {
	p.t.Helper()
	cut := eval[[]string](p, `[...document.querySelectorAll(`+jsString(sel+" *")+`)].filter((e) => {
		const r = e.getBoundingClientRect();
		return r.width > 0 && (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible' || r.right > window.innerWidth + 1);
	}).map((e) => e.tagName + '#' + e.id + ' ' + JSON.stringify(e.textContent.trim().slice(0, 60)))`)
	if len(cut) > 0 {
		p.fail("cut in %s at %d px: %v", sel, eval[int](p, `window.innerWidth`), cut)
	}
}
