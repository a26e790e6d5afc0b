//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// progressCounts is the part of GET /reports/progress the test compares.
type progressCounts struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Received struct {
		New       int            `json:"new"`
		Total     int            `json:"total"`
		ByChannel map[string]int `json:"by_channel"`
	} `json:"received"`
	Processed struct {
		Total int `json:"total"`
	} `json:"processed"`
	InProgress struct {
		WithinDeadline int `json:"within_deadline"`
	} `json:"in_progress"`
	Satisfaction struct {
		VerySatisfied int `json:"very_satisfied"`
		Rated         int `json:"rated"`
		Returned      int `json:"returned"`
	} `json:"satisfaction"`
}

func progressJSON(t *testing.T, token, from, to string) progressCounts {
	t.Helper()
	var rep progressCounts
	q := url.Values{"from": {from}, "to": {to}}
	if code, err := world.api("GET", "/reports/progress?"+q.Encode(), token, nil, &rep); err != nil || code != http.StatusOK {
		t.Fatalf("GET progress report %s..%s: %d %v", from, to, code, err)
	}
	return rep
}

// thisMonth is the current month's first and last day in Asia/Ho_Chi_Minh.
func thisMonth() (from, to string) {
	now := time.Now().In(time.FixedZone("ICT", 7*3600))
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	return first.Format("2006-01-02"), first.AddDate(0, 1, -1).Format("2006-01-02")
}

// recordReportFetches makes the page note every answer to /api/v1/reports/
// it fetches: URL, status, type and first bytes (a PDF starts "%PDF-", a
// workbook, a ZIP, "PK").
const recordReportFetches = `(() => {
	window.__reports = [];
	const plain = window.fetch;
	window.fetch = async function (input, init) {
		const res = await plain.call(this, input, init);
		const u = String(input instanceof Request ? input.url : input);
		if (u.includes('/api/v1/reports/')) {
			const b = new Uint8Array(await res.clone().arrayBuffer());
			window.__reports.push({ url: u, status: res.status, type: res.headers.get('content-type') || '',
				head: String.fromCharCode(...b.slice(0, 5)), size: b.length });
		}
		return res;
	};
	return true;
})()`

type fetched struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	Type   string `json:"type"`
	Head   string `json:"head"`
	Size   int    `json:"size"`
}

// lastFetch waits for the page's n-th recorded report fetch and returns it.
func (p *page) lastFetch(n int, what string) fetched {
	p.t.Helper()
	p.waitJS(fmt.Sprintf(`(window.__reports || []).length >= %d`, n), what)
	return eval[fetched](p, fmt.Sprintf(`window.__reports[%d]`, n-1))
}

// The reports screen: two dossiers received through the API (one of them
// returned and rated) show up in the current month's counts and charts
// exactly as the API's JSON has them, under the report's Vietnamese labels;
// the PDF button fetches the real PDF and opens it, the register's XLSX
// button fetches the workbook, and the keyboard switches the period to the
// quarter.
func TestReports(t *testing.T) {
	desk, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	leader, err := world.login("lanhdao", password("lanhdao"))
	if err != nil {
		t.Fatal(err)
	}
	from, to := thisMonth()
	before := progressJSON(t, leader, from, to)
	var codes []string
	for i, name := range []string{"Đinh Văn Báo", "Đinh Thị Cáo"} {
		var d struct{ Code string }
		code, err := world.api("POST", "/dossiers", desk, map[string]any{"procedure_code": "1.001193",
			"applicant": map[string]string{"full_name": name, "id_number": fmt.Sprintf("03719000%04d", 7001+i)}}, &d)
		if err != nil || code != http.StatusCreated {
			t.Fatalf("receive %s: %d %v", name, code, err)
		}
		codes = append(codes, d.Code)
	}
	// The first is processed, returned and rated at the desk.
	specialist, err := world.login("chuyenvien", password("chuyenvien"))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		token string
		body  map[string]any
	}{
		{desk, map[string]any{"action": "forward", "assignee": "chuyenvien"}},
		{specialist, map[string]any{"action": "resolve"}},
		{desk, map[string]any{"action": "return"}},
	} {
		if code, err := world.api("POST", "/dossiers/"+codes[0]+"/actions", step.token, step.body, nil); err != nil || code != http.StatusOK {
			t.Fatalf("%v on %s: %d %v", step.body["action"], codes[0], code, err)
		}
	}
	if code, err := world.api("POST", "/dossiers/"+codes[0]+"/rating", desk, map[string]any{"rating": "very_satisfied"}, nil); err != nil || code != http.StatusOK {
		t.Fatalf("rate %s: %d %v", codes[0], code, err)
	}
	after := progressJSON(t, leader, from, to)
	if after.Received.New != before.Received.New+2 || after.Processed.Total != before.Processed.Total+1 ||
		after.Satisfaction.VerySatisfied != before.Satisfaction.VerySatisfied+1 {
		t.Fatalf("after receiving two dossiers and returning one, rated, the API's month has %+v; before %+v", after, before)
	}

	p := newPage(t, 1366, 768)
	p.signIn("lanhdao", password("lanhdao"))
	p.waitText("#nav-reports", "Báo cáo")
	p.click("#nav-reports")
	p.waitJS(`!!document.querySelector('#report td[data-key="received.new"]') && !document.querySelector('#report[aria-busy="true"]')`,
		"the progress report on screen")
	if got := eval[string](p, `location.hash`); got != "#/reports" {
		p.fail("the reports tab is at %q, want #/reports", got)
	}
	// The screen opens on the current month.
	if f, l := eval[string](p, `document.querySelector('#report').dataset.from`), eval[string](p, `document.querySelector('#report').dataset.to`); f != from || l != to {
		p.fail("the screen shows %s..%s, want the current month %s..%s", f, l, from, to)
	}
	if got := p.text(`#report td[data-key="received.new"]`); got != strconv.Itoa(after.Received.New) {
		p.fail("on screen %q new dossiers this month, the API's JSON says %d", got, after.Received.New)
	}
	if got := p.text(`#report td[data-key="received.total"]`); got != strconv.Itoa(after.Received.Total) {
		p.fail("on screen %q dossiers received, the API's JSON says %d", got, after.Received.Total)
	}
	if got := p.text(`#chart-channel g[data-status="in_person"] .value`); got != strconv.Itoa(after.Received.ByChannel["in_person"]) {
		p.fail("the channel chart shows %q in person, the API's JSON says %d", got, after.Received.ByChannel["in_person"])
	}
	if got := p.text(`#chart-in-progress g[data-status="within"] .value`); got != strconv.Itoa(after.InProgress.WithinDeadline) {
		p.fail("the in-progress chart shows %q within the deadline, the API's JSON says %d", got, after.InProgress.WithinDeadline)
	}
	if got := p.text(`#report td[data-key="processed.total"]`); got != strconv.Itoa(after.Processed.Total) {
		p.fail("on screen %q dossiers processed, the API's JSON says %d", got, after.Processed.Total)
	}
	// The citizen's rating, recorded at return, is reported.
	if got := p.text(`#chart-satisfaction g[data-status="very_satisfied"] .value`); got != strconv.Itoa(after.Satisfaction.VerySatisfied) {
		p.fail("the satisfaction chart shows %q very satisfied, the API's JSON says %d", got, after.Satisfaction.VerySatisfied)
	}
	if got, want := p.text(`#chart-satisfaction`), "Rất hài lòng"; !strings.Contains(got, want) {
		p.fail("the satisfaction chart %q lacks %q", got, want)
	}
	rated := fmt.Sprintf("%d/%d hồ sơ đã trả kết quả được đánh giá", after.Satisfaction.Rated, after.Satisfaction.Returned)
	if got := p.text(`#report .charts`); !strings.Contains(got, rated) {
		p.fail("the charts %q lack %q", got, rated)
	}

	// The labels are the report's own Vietnamese wording (app/forms/progress.go).
	labels := map[string]string{
		"received.total":              "Số hồ sơ nhận giải quyết",
		"received.carried_over":       "Kỳ trước chuyển qua",
		"received.new":                "Mới tiếp nhận",
		"received.online":             "Trực tuyến",
		"received.in_person":          "Trực tiếp",
		"received.post":               "Bưu chính",
		"processed.total":             "Số hồ sơ đã giải quyết",
		"processed.early":             "Trước hạn",
		"processed.on_time":           "Đúng hạn",
		"processed.late":              "Quá hạn",
		"in_progress.total":           "Số hồ sơ đang giải quyết",
		"in_progress.within_deadline": "Trong hạn",
		"in_progress.overdue":         "Quá hạn",
		"paused.total":                "Số hồ sơ tạm dừng",
		"paused.supplement":           "Chờ bổ sung",
		"paused.payment":              "Chờ nghĩa vụ tài chính",
		"paused.stopped":              "Dừng giải quyết",
		"withdrawn":                   "Rút hồ sơ",
	}
	for key, want := range labels {
		got := eval[string](p, `document.querySelector('#report td[data-key="`+key+`"]')?.closest('tr').querySelector('th').textContent.trim() ?? '<missing>'`)
		if got != want {
			p.fail("the row of %s is labelled %q, want %q", key, got, want)
		}
	}
	if got := p.text("#report h2"); got != "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính" {
		p.fail("the report's title is %q", got)
	}
	if got, want := p.text("#period-range"), "Từ ngày "+vnDate(from)+" đến ngày "+vnDate(to); !strings.Contains(got, want) {
		p.fail("the period reads %q, want it to contain %q", got, want)
	}
	p.shot("70-reports")

	// Tải PDF: the page fetches the report's PDF with the token and opens it.
	eval[bool](p, recordReportFetches)
	p.click("#rep-pdf")
	f := p.lastFetch(1, "the progress report PDF to be fetched")
	if !strings.Contains(f.URL, "/api/v1/reports/progress?") || !strings.Contains(f.URL, "format=pdf") ||
		!strings.Contains(f.URL, "from="+from) || !strings.Contains(f.URL, "to="+to) {
		p.fail("Tải PDF fetched %s", f.URL)
	}
	if f.Status != http.StatusOK || f.Type != "application/pdf" || f.Head != "%PDF-" {
		p.fail("Tải PDF got HTTP %d %q starting %q (%d bytes), want a PDF", f.Status, f.Type, f.Head, f.Size)
	}
	p.waitPDFTab()
	if p.exists("#reports-file-error") {
		p.fail("opening the PDF failed: %s", p.text("#reports-file-error"))
	}

	// The register of the same period as a workbook (saved, not shown).
	p.waitJS(`!document.querySelector('#reg-xlsx').disabled`, "the buttons to be enabled again")
	p.click("#reg-xlsx")
	f = p.lastFetch(2, "the register XLSX to be fetched")
	if !strings.Contains(f.URL, "/api/v1/reports/register?") || !strings.Contains(f.URL, "format=xlsx") || !strings.Contains(f.URL, "from="+from) {
		p.fail("Sổ theo dõi XLSX fetched %s", f.URL)
	}
	if f.Status != http.StatusOK || !strings.Contains(f.Type, "spreadsheetml") || !strings.HasPrefix(f.Head, "PK") {
		p.fail("Sổ theo dõi XLSX got HTTP %d %q starting %q, want a workbook", f.Status, f.Type, f.Head)
	}
	p.waitJS(`!document.querySelector('#reg-xlsx').disabled`, "the download to finish")
	if p.exists("#reports-file-error") {
		p.fail("saving the register failed: %s", p.text("#reports-file-error"))
	}

	// The keyboard picks the quarter: the report follows its first and last day.
	p.do(chromedp.Focus(chromedp.ID("period-kind")))
	p.key(kb.ArrowDown)
	qFrom, qTo := thisQuarter()
	p.waitJS(`(() => { const r = document.querySelector('#report'); return r && r.dataset.from === `+jsString(qFrom)+
		` && r.dataset.to === `+jsString(qTo)+` && r.getAttribute('aria-busy') !== 'true'; })()`, "the quarter's report")
	q := progressJSON(t, leader, qFrom, qTo)
	if got := p.text(`#report td[data-key="received.new"]`); got != strconv.Itoa(q.Received.New) {
		p.fail("on screen %q new dossiers this quarter, the API's JSON says %d", got, q.Received.New)
	}
	if !p.exists("#period-quarter") || p.exists("#period-month") {
		p.fail("the quarter picker does not replace the month picker")
	}

	// On the office's 1024 px screens the report, its table by procedure
	// opened, sticks out nowhere sideways.
	small := newPage(t, 1024, 768)
	small.signIn("lanhdao", password("lanhdao"))
	small.do(chromedp.Navigate(world.base + "/#/reports"))
	small.click("#report-by-procedure summary")
	small.waitText("#report-by-procedure table", "Tổng cộng")
	if eval[bool](small, `document.documentElement.scrollWidth > window.innerWidth`) {
		small.fail("the reports screen is %d px wide on a 1024 px screen", eval[int](small, `document.documentElement.scrollWidth`))
	}
	eval[bool](small, `(document.querySelector('#report-by-procedure').scrollIntoView(), true)`)
	small.shot("71-reports-1024")
}

// thisQuarter is the current quarter's first and last day in Asia/Ho_Chi_Minh.
func thisQuarter() (from, to string) {
	now := time.Now().In(time.FixedZone("ICT", 7*3600))
	m := (int(now.Month())-1)/3*3 + 1
	first := time.Date(now.Year(), time.Month(m), 1, 0, 0, 0, 0, now.Location())
	return first.Format("2006-01-02"), first.AddDate(0, 3, -1).Format("2006-01-02")
}

// vnDate writes YYYY-MM-DD as dd/mm/yyyy.
func vnDate(ymd string) string {
	d, err := time.Parse("2006-01-02", ymd)
	if err != nil {
		return ymd
	}
	return d.Format("02/01/2006")
}
