//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"xaso/build/testkit"
)

const hubPassword = "hub-e2e-pass-1"

// office is a real provincial hub (`xaso hub`) and one commune's office
// enrolled with it (`xaso serve --hub`), both from the tree's binary.
type office struct {
	hub, node string // base URLs
	it        string // provincial IT's token at the hub
}

// startOffice enrols commune 14701 with `xaso hub enrol` before the hub
// runs, starts the hub and the office linked to it, and creates the tests'
// officials on the office.
func startOffice(t *testing.T) office {
	t.Helper()
	hubDir := t.TempDir()
	out, err := exec.Command(world.bin, "hub", "enrol", "--data", hubDir, "--commune", "14701").CombinedOutput()
	if err != nil {
		t.Fatalf("xaso hub enrol: %v\n%s", err, out)
	}
	words := strings.Fields(string(out))
	token := words[len(words)-1]
	var o office
	for _, s := range []struct {
		name      string
		base      *string
		args, env []string
	}{
		{"hub", &o.hub, []string{"hub", "--data", hubDir}, []string{"XASO_HUB_ADMIN_PASSWORD=" + hubPassword}},
		{"hub-office", &o.node, []string{"serve", "--data", t.TempDir(), "--commune", "14701", "--agency", "000.00.31.H42"},
			[]string{"XASO_ENROL_TOKEN=" + token}},
	} {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		*s.base = fmt.Sprintf("http://127.0.0.1:%d", port)
		args := append(s.args, "--listen", (*s.base)[len("http://"):])
		if s.name == "hub-office" {
			args = append(args, "--hub", o.hub)
		}
		stop, _, err := startXaso(world.bin, filepath.Join(world.artifacts, s.name+".log"), args, s.env, *s.base)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	if err := createOfficialsAt(o.node); err != nil {
		t.Fatal(err)
	}
	if o.it, err = loginAt(o.hub, "admin", hubPassword); err != nil {
		t.Fatal(err)
	}
	return o
}

// submitOnline files a dossier online at the hub (as the national portal
// would hand it over) and waits until the office has it; it returns the
// dossier's ID.
func (o office) submitOnline(t *testing.T, name string) string {
	t.Helper()
	var sub struct{ ID, Status string }
	code, err := apiAt(o.hub, "POST", "/communes/14701/dossiers", o.it, map[string]any{"procedure_code": "1.004873",
		"applicant":    map[string]string{"full_name": name, "id_number": "001190002211", "date_of_birth": "1990-03-05", "phone": "0912345678"},
		"submitted_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}, &sub)
	if err != nil || code != http.StatusCreated || sub.Status != "submitted" {
		t.Fatalf("file online at the hub: %d %+v %v", code, sub, err)
	}
	desk, err := loginAt(o.node, "letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 30*time.Second, "the online dossier at the office", func() error {
		var d struct{ Status, Channel string }
		if code, err := apiAt(o.node, "GET", "/dossiers/"+sub.ID, desk, nil, &d); err != nil || code != 200 || d.Status != "submitted" {
			return fmt.Errorf("%d %+v %v", code, d, err)
		}
		return nil
	})
	return sub.ID
}

// hubStatus is the status the hub has for an online dossier.
func (o office) hubStatus(t *testing.T, id string) string {
	t.Helper()
	var d struct{ Status string }
	if _, err := apiAt(o.hub, "GET", "/communes/14701/dossiers/"+id, o.it, nil, &d); err != nil {
		t.Fatal(err)
	}
	return d.Status
}

// A dossier filed online at a real hub reaches the office's desk: it is in
// the "submitted online" queue, the official receives it with the primary
// button and prints its receipt from the page, and the hub learns it was
// received. In Vietnamese at 1024×768, then in English at 1366×768.
func TestOnlineDossierFromTheHub(t *testing.T) {
	o := startOffice(t)
	for _, c := range []struct {
		lang, name, received string
		w, h                 int64
	}{
		{"vi", "Hoàng Thị Mạng", "Được tiếp nhận", 1024, 768},
		{"en", "Đỗ Văn Trực", "Received", 1366, 768},
	} {
		id := o.submitOnline(t, c.name)
		p := newPage(t, c.w, c.h)
		p.signInAt(o.node, "letiep", password("letiep"))
		if c.lang == "en" {
			p.click("#lang")
			p.waitText("header nav", "Receive")
		}
		p.key(kbF3)
		p.click("#queue-online")
		p.waitText("#results tbody", c.name)
		if rows := eval[int](p, `document.querySelectorAll('#results tbody a.row-link').length`); rows != 1 {
			p.fail("%d dossiers in the online queue, want the one just filed", rows)
		}
		p.shot(fmt.Sprintf("70-online-queue-%s-%d", c.lang, c.w))
		p.click("#results tbody a.row-link")
		p.waitFor(`#dossier-actions button.primary[data-action="receive"]`, "receive as the primary step of an online dossier")
		p.click(`#dossier-actions button.primary[data-action="receive"]`)
		p.waitText("#dossier-status", c.received)
		// The receipt carries the office's own code, the official holds
		// it (the provisional code stays only in the history), and the
		// portal is named, not "hub:admin" or a bare key.
		p.waitJS(`/^000\.00\.31\.H42-\d{6}-\d{4}$/.test(document.querySelector('#dossier-code')?.textContent.trim())`,
			"the office's own code once received")
		p.waitText("#dossier-holder", "Lê Thị Tiếp")
		page := p.text(".dossier")
		for _, bad := range []string{"hub:", "action.", "Mã tạm", "Provisional"} {
			if strings.Contains(page, bad) {
				p.fail("the received online dossier shows %q: %s", bad, page)
			}
		}
		if want := map[string]string{"vi": "Cổng dịch vụ công", "en": "Public service portal"}[c.lang]; !strings.Contains(page, want) {
			p.fail("the portal is not named %q: %s", want, page)
		}
		p.click(`a.button[href$="/forms/01.pdf"]`)
		p.waitPrinted()
		p.shot(fmt.Sprintf("71-online-received-%s-%d", c.lang, c.w))
		p.waitFor("#sb-uplink", "the province's line in the status bar")
		p.nothingCut("#statusbar")
		p.axeContrast("a received online dossier")
		testkit.Eventually(t, 30*time.Second, "the hub to learn the dossier was received", func() error {
			if s := o.hubStatus(t, id); s != "received" {
				return fmt.Errorf("status at the hub %q", s)
			}
			return nil
		})
		p.do(chromedp.Navigate(o.node + "/#/queues/online"))
		p.waitJS(`!document.querySelector('#results tbody a.row-link')`, "the online queue empty once received")
	}
}
