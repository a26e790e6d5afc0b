//go:build e2e

package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromium109 runs in every document before the page's own scripts: it
// takes away the JavaScript built-ins that came after Chromium 109 (the last
// Chrome and Edge on Windows 7 and 8), says it is Chrome 109, and records
// every error the page throws in window.__errors.
const chromium109 = `(() => {
	window.__errors = [];
	addEventListener('error', (e) => window.__errors.push(String(e.message)));
	addEventListener('unhandledrejection', (e) => window.__errors.push('unhandled: ' + String(e.reason)));
	const later = [
		[Array.prototype, ['toSorted', 'toReversed', 'toSpliced', 'with']],
		[Object, ['groupBy']], [Map, ['groupBy']], [Promise, ['withResolvers']], [Array, ['fromAsync']],
		[String.prototype, ['isWellFormed', 'toWellFormed']], [URL, ['canParse', 'parse']],
		[Set.prototype, ['union', 'intersection', 'difference', 'symmetricDifference', 'isSubsetOf', 'isSupersetOf', 'isDisjointFrom']],
		[ArrayBuffer.prototype, ['transfer', 'transferToFixedLength']], [AbortSignal, ['any']],
		[HTMLElement.prototype, ['showPopover', 'hidePopover', 'togglePopover']], [globalThis, ['Iterator']],
	];
	for (const [o, names] of later) for (const n of names) { try { delete o[n]; } catch {} }
	Object.defineProperty(navigator, 'userAgent', { get: () =>
		'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36' });
})()`

// oldEngine makes p a Chromium 109 on an old office PC (chromium109).
func (p *page) oldEngine() {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, cdppage.AddScriptToEvaluateOnNewDocument,
		cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: chromium109}); err != nil {
		p.fail("add the Chromium 109 script: %v", err)
	}
}

// A Windows 7 PC's browser (Chromium 109 at best) works the desk through
// `xaso serve`: a dossier received, its receipt printed, found again, with
// no script error.
func TestDeskOnChromium109(t *testing.T) {
	p := newPage(t, 1024, 768)
	p.oldEngine()
	p.signIn("letiep", password("letiep"))
	if ua := eval[string](p, `navigator.userAgent`); !strings.Contains(ua, "Chrome/109") {
		p.fail("user agent %q", ua)
	}
	p.pickProcedure("khai sinh", "Đăng ký khai sinh")
	p.key(scannedQR)
	p.waitText("#id-hint", "Đã điền từ mã QR")
	time.Sleep(700 * time.Millisecond) // past the guard against the scanner's Enter
	p.key("\r")
	p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
	code := p.text("#receipt-code")
	p.key(kbF9)
	p.waitPrinted()
	p.key(kbF3)
	p.waitFor("#results", "the lists")
	p.key("/")
	p.waitJS(`document.activeElement?.id === 'search'`, "the search box")
	p.key(code[len(code)-4:])
	p.waitText("#results tbody", code)
	if errs := eval[[]string](p, `window.__errors`); len(errs) > 0 {
		p.fail("the page threw on a Chromium 109: %v", errs)
	}
	p.shot("27-desk-on-chromium-109")
}

// BenchmarkReceiptKeys counts what an official does for one receipt, from
// an empty desk to the paper: keys other than typing (Enter, Tab, F-keys),
// clicks, and tabs left open. The scanner's string counts as typing; in
// the browser the print dialog's own Enter is one more key, which headless
// Chromium cannot show (it is added to the figure).
func BenchmarkReceiptKeys(b *testing.B) {
	p := newPage(b, 1366, 768)
	p.signIn("letiep", password("letiep"))
	var keysN, clicks, tabs float64
	for b.Loop() {
		p.do(chromedp.Navigate(world.base + "/#/desk"))
		p.key(kbF2)
		p.do(chromedp.WaitVisible(chromedp.CSS(`form.desk[data-ready="true"]`)))
		eval[bool](p, `(() => { window.__keys = 0; window.__clicks = 0;
			if (window.__counting) return true;
			window.__counting = true;
			addEventListener('keydown', (e) => { if (e.isTrusted && (e.key.length > 1 && e.key !== 'Shift' && e.key !== 'Unidentified' || e.ctrlKey)) window.__keys++ }, true);
			addEventListener('click', (e) => { if (e.isTrusted && e.detail > 0) window.__clicks++ }, true);
			return true })()`)
		before := pages(p)
		p.key("khai sinh")
		p.waitText("#procedure-list", "Đăng ký khai sinh")
		p.key("\r")                                // take the procedure
		p.key(strings.TrimSuffix(scannedQR, "\r")) // the scanner types the card…
		p.key("\r")                                // …and its Enter (part of the scan)
		p.waitText("#id-hint", "Đã điền từ mã QR")
		time.Sleep(700 * time.Millisecond)
		p.key("\r") // receive
		p.do(chromedp.WaitVisible(chromedp.ID("receipt-code")))
		p.key("\r") // the focused print button
		p.waitPrinted()
		after := pages(p)
		// Counted: the scanner's Enter is typing, not a key the official
		// presses; the print dialog's Enter, which headless Chromium never
		// shows, is one. The two cancel out.
		keysN = float64(eval[int](p, `window.__keys`))
		clicks = float64(eval[int](p, `window.__clicks`))
		tabs = float64(after - before)
	}
	b.ReportMetric(keysN, "keys")
	b.ReportMetric(clicks, "clicks")
	b.ReportMetric(tabs, "stray-tabs")
}

// BenchmarkColdDeskBytes is what a PC that never opened the UI downloads
// for the signed-in desk: every response's bytes as they came over the
// wire (compressed where the server compressed them), cache off.
func BenchmarkColdDeskBytes(b *testing.B) {
	p := newPage(b, 1366, 768)
	p.signIn("letiep", password("letiep"))
	var mu sync.Mutex
	var total float64
	if err := chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*network.EventLoadingFinished); ok {
			mu.Lock()
			total += e.EncodedDataLength
			mu.Unlock()
		}
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(p.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(p.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		b.Fatal(err)
	}
	var kb float64
	for b.Loop() {
		mu.Lock()
		total = 0
		mu.Unlock()
		if err := chromedp.Do(p.ctx, chromedp.Navigate(world.base+"/#/desk"), chromedp.Reload()); err != nil {
			b.Fatal(err)
		}
		p.do(chromedp.WaitVisible(chromedp.CSS(`form.desk[data-ready="true"]`)))
		time.Sleep(time.Second) // the status bar's first /health
		mu.Lock()
		kb = total / 1024
		mu.Unlock()
	}
	b.ReportMetric(kb, "KB-wire")
}

// pages counts the browser's tabs (targets of type page; a frame holding a
// PDF is a target too, of another type).
func pages(p *page) int {
	p.t.Helper()
	ts, err := chromedp.Targets(p.ctx)
	if err != nil {
		p.fail("list targets: %v", err)
	}
	n := 0
	for _, t := range ts {
		if t.Type == "page" {
			n++
		}
	}
	return n
}
