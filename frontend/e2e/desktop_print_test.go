//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"image"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The official prints a receipt from the desktop window: F9, one
// confirmation (Enter), and the window sends the PDF straight to the PC's
// default printer with lp (issue 14, point 3). The printer here is a
// stand-in lp first in PATH that keeps the file it is given: the test
// machine has no printer and no CUPS. Everything before it is the real
// window.
func TestDesktopPrintsAReceipt(t *testing.T) {
	bin := desktopBinary(t)
	x := startXvfb(t, 1366, 768)
	fake := t.TempDir()
	opened := filepath.Join(fake, "printed.pdf")
	// lp -- FILE: the file is the last argument.
	script := "#!/bin/sh\nfor f; do :; done\ncp \"$f\" " + opened + "\n"
	if err := os.WriteFile(filepath.Join(fake, "lp"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	a := startDesktop(t, bin, x, "desktop-print", "PATH="+fake+":"+os.Getenv("PATH"))
	waitScreen(t, x, a, "the status bar to show the API online", 90*time.Second, has(onlineDot, 20))

	// A receiver and a dossier, through the HTTP API the window serves beside it.
	d := &env{base: "http://" + servingAddr(t, a)}
	admin, err := d.login("admin", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if code, err := d.api("POST", "/users", admin, map[string]any{"username": "letiep", "password": password("letiep"),
		"full_name": "Lê Thị Tiếp", "roles": []string{"receiver"}}, nil); err != nil || code != http.StatusCreated {
		t.Fatalf("create receiver: %d %v", code, err)
	}
	desk, err := d.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	var dossier struct{ Code string }
	if code, err := d.api("POST", "/dossiers", desk, map[string]any{"procedure_code": "1.001193",
		"applicant": map[string]string{"full_name": "Hoàng Thị Inthu", "id_number": "001305001234"}}, &dossier); err != nil || code != http.StatusCreated {
		t.Fatalf("receive: %d %v", code, err)
	}

	// In the window, with the keyboard: sign in, find the dossier, open it, F9.
	win, err := x.xdotool("search", "--onlyvisible", "--name", "Xã Số")
	if err != nil || win == "" {
		t.Fatalf("no visible window named Xã Số: %v %q", err, win)
	}
	id := strings.Fields(win)[0]
	keys := func(pause time.Duration, ks ...string) {
		t.Helper()
		for _, k := range ks {
			if out, err := x.xdotool("key", "--window", id, k); err != nil {
				t.Fatalf("xdotool key %s: %v %s", k, err, out)
			}
		}
		time.Sleep(pause)
	}
	typeText := func(s string) {
		t.Helper()
		if out, err := x.xdotool("type", "--delay", "30", "--window", id, s); err != nil {
			t.Fatalf("xdotool type: %v %s", err, out)
		}
	}
	_, _ = x.xdotool("windowfocus", "--sync", id)
	typeText("letiep")
	keys(0, "Tab")
	typeText(password("letiep"))
	keys(0, "Return")
	waitScreen(t, x, a, "the signed-in screen", 20*time.Second, has(activeTab, 500))
	keys(time.Second, "F3", "slash")
	typeText("inthu")
	keys(2*time.Second, "Return")
	keys(2*time.Second, "Down", "Return")
	_, raw := waitScreen(t, x, a, "a screenshot", 5*time.Second, func(image.Image) bool { return true })
	saveArtifact(t, "desktop-3-dossier.png", raw)

	// F9 asks to print form 01 of the dossier on screen, Enter confirms;
	// pressed again every 3 s in case the page was still loading (printing
	// twice is harmless here).
	deadline := time.Now().Add(20 * time.Second)
	for next := time.Now(); ; {
		if time.Now().After(next) {
			keys(time.Second, "F9")
			keys(0, "Return")
			next = time.Now().Add(3 * time.Second)
		}
		pdf, err := os.ReadFile(opened)
		if err == nil && bytes.HasPrefix(pdf, []byte("%PDF-")) {
			if _, err := exec.LookPath("pdftotext"); err == nil {
				out, err := exec.Command("pdftotext", opened, "-").Output()
				if err != nil || !strings.Contains(string(out), dossier.Code) || !strings.Contains(string(out), "Hoàng Thị Inthu") {
					t.Fatalf("the PDF sent to the printer is not this dossier's receipt (%v):\n%s", err, out)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			_, raw := waitScreen(t, x, a, "a screenshot", 5*time.Second, func(image.Image) bool { return true })
			saveArtifact(t, "desktop-print-FAILED.png", raw)
			log, _ := os.ReadFile(a.log.Name())
			t.Fatalf("F9 in the window sent no PDF to the printer within 20 s; the app's log:\n%s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var servingRe = regexp.MustCompile(`msg=serving addr=(127\.0\.0\.1:\d+)`)

// servingAddr reads the HTTP address the app logged at start.
func servingAddr(t *testing.T, a *desktopApp) string {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		log, _ := os.ReadFile(a.log.Name())
		if m := servingRe.FindSubmatch(log); m != nil {
			if _, err := strconv.Atoi(strings.Split(string(m[1]), ":")[1]); err == nil {
				return string(m[1])
			}
		}
	}
	t.Fatal(fmt.Errorf("no serving address in %s", a.log.Name()))
	return ""
}
