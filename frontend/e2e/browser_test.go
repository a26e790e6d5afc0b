//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// page is one browser tab in its own browser context (its own storage), as
// if a different office PC opened the UI.
type page struct {
	t   testing.TB
	ctx context.Context
}

func newPage(t testing.TB, width, height int64) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(world.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	p := &page{t: t, ctx: ctx}
	p.do(chromedp.EmulateViewport(width, height))
	return p
}

// fail saves a screenshot of the page for the report and stops the test.
func (p *page) fail(format string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		name := strings.ReplaceAll(p.t.Name(), "/", "_") + "-FAILED.png"
		_ = os.WriteFile(filepath.Join(world.artifacts, name), png, 0o644)
	}
	p.t.Fatalf(format, args...)
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.fail("browser: %v", err)
	}
}

// eval runs a JavaScript expression and decodes its result into T.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.fail("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS waits until the expression is truthy.
func (p *page) waitJS(js string, what string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		p.fail("waiting for %s: %v", what, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitText waits until the element matching sel contains want in its text.
func (p *page) waitText(sel, want string) {
	p.t.Helper()
	p.waitJS(`(document.querySelector(`+jsString(sel)+`)?.textContent || '').includes(`+jsString(want)+`)`,
		sel+" to contain "+want)
}

func (p *page) text(sel string) string {
	p.t.Helper()
	return eval[string](p, `(document.querySelector(`+jsString(sel)+`)?.textContent || '').trim()`)
}

func (p *page) value(sel string) string {
	p.t.Helper()
	return eval[string](p, `document.querySelector(`+jsString(sel)+`)?.value ?? '<missing>'`)
}

func (p *page) exists(sel string) bool {
	p.t.Helper()
	return eval[bool](p, `!!document.querySelector(`+jsString(sel)+`)`)
}

// waitFor waits until an element matches sel (present, not necessarily visible).
func (p *page) waitFor(sel, what string) {
	p.t.Helper()
	p.waitJS(`!!document.querySelector(`+jsString(sel)+`)`, what)
}

// recordCalls makes the page note the URL of every fetch it starts from now
// on (started, not answered: a call still under way counts); see calls.
func (p *page) recordCalls() {
	p.t.Helper()
	eval[bool](p, `(() => {
		window.__calls = [];
		const plain = window.fetch;
		window.fetch = function (input, init) {
			window.__calls.push(String(input instanceof Request ? input.url : input));
			return plain.call(this, input, init);
		};
		return true;
	})()`)
}

// calls lists the URLs fetched since recordCalls whose path contains part.
func (p *page) calls(part string) []string {
	p.t.Helper()
	return eval[[]string](p, `(window.__calls || []).filter((u) => u.includes(`+jsString(part)+`))`)
}

func (p *page) activeID() string {
	p.t.Helper()
	return eval[string](p, `document.activeElement?.id || ''`)
}

// keys types like a physical keyboard (or a USB scanner, which is one): for
// each key a keyDown that carries its text and a keyUp. The browser then
// makes the keypress and the input itself, so a handler that cancels the
// keydown cancels the typing too, as on a real keyboard. (chromedp.KeyEvent
// sends the text as a separate char event that no keydown handler can stop.)
func keys(s string, modifiers int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range s {
			evs := kb.Encode(r)
			down, up := *evs[0], *evs[len(evs)-1]
			if len(evs) == 3 && modifiers&^int64(kb.ModifierShift) == 0 {
				down.Text, down.UnmodifiedText = evs[1].Text, evs[1].UnmodifiedText
			} else {
				down.Type = input.DispatchKeyEventTypeRawKeyDown
			}
			down.Modifiers |= modifiers
			up.Modifiers |= modifiers
			for _, ev := range []input.DispatchKeyEventParams{down, up} {
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// typeInto focuses the field and types into it.
func (p *page) typeInto(sel, text string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)), keys(text, 0))
}

// key presses keys on whatever has focus.
func (p *page) key(s string) {
	p.t.Helper()
	p.do(keys(s, 0))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// shot saves a screenshot as a test artifact.
func (p *page) shot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fail("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(world.artifacts, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// signIn opens the UI and signs in through the form, pressing Enter.
func (p *page) signIn(user, pass string) {
	p.t.Helper()
	p.signInAt(world.base, user, pass)
}

// signInAt does signIn on the xaso serving at base.
func (p *page) signInAt(base, user, pass string) {
	p.t.Helper()
	p.do(chromedp.Navigate(base + "/"))
	p.do(chromedp.WaitVisible(chromedp.ID("username")))
	p.typeInto("#username", user)
	p.typeInto("#password", pass+"\r")
	p.do(chromedp.WaitVisible(chromedp.CSS("header nav")))
}

func (p *page) signOut() {
	p.t.Helper()
	p.click("#signout")
	p.do(chromedp.WaitVisible(chromedp.ID("username")))
}
