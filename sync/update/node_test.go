package update_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/calendar"
	"xaso/build/testkit"
	"xaso/sync/update"
	"xaso/sync/update/release"
)

// call sends a JSON request and decodes the answer.
func call(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func signIn(t *testing.T, url, user, pw string) string {
	t.Helper()
	var out struct{ Token string }
	if st := call(t, "POST", url+"/api/v1/sessions", "", map[string]string{"username": user, "password": pw}, &out); st != 201 {
		t.Fatalf("sign in at %s: %d", url, st)
	}
	return out.Token
}

// startOffice enrols commune 14701 at hub and starts one PC of it with the
// root of trust installed in its data folder.
func startOffice(t *testing.T, hub *proc, root []byte, bin string, extra ...string) (*proc, string) {
	t.Helper()
	node, admin, _ := startOfficeAt(t, hub, root, bin, extra...)
	return node, admin
}

// startOfficeAt is startOffice that also returns the PC's data folder.
func startOfficeAt(t *testing.T, hub *proc, root []byte, bin string, extra ...string) (*proc, string, string) {
	t.Helper()
	it := signIn(t, hub.url, "admin", hubPassword)
	var enr struct{ Token string }
	if st := call(t, "POST", hub.url+"/api/v1/communes/14701/enrolments", it, nil, &enr); st != 201 {
		t.Fatalf("enrol: %d", st)
	}
	dir := t.TempDir()
	if root != nil {
		os.MkdirAll(filepath.Join(dir, "update"), 0o700)
		os.WriteFile(filepath.Join(dir, "update", "root.json"), root, 0o600)
	}
	addr := freeAddr(t)
	args := append([]string{"serve", "--data", dir, "--listen", addr, "--commune", "14701", "--hub", hub.url, "--raft-fast"}, extra...)
	node := start(t, bin, addr, "/api/v1/health", []string{"XASO_ADMIN_PASSWORD=" + nodePassword, "XASO_ENROL_TOKEN=" + enr.Token}, args...)
	return node, signIn(t, node.url, "admin", nodePassword), dir
}

type updateView struct {
	Update  struct{ Current, Available, State, Problem string }
	History []struct{ State, Target, Version, Problem string }
}

// The catalog and the calendar reach a PC as signed targets and are
// applied as its own catalog.publish / calendar.publish commands. A
// catalog the hub sends unsigned (a hub broken into) is refused; metadata
// of another province's release keys is refused; the signed catalog stays.
func TestSignedCatalogReachesOffice(t *testing.T) {
	f := newRepo(t)
	cat := f.addCatalog(t, "2026.1")
	y := app.CalendarBody{Year: 2027, Version: 1, Source: "Quyết định thử",
		Days: []calendar.Override{{Date: "2027-01-01", Off: true, Name: "Tết Dương lịch"}}}
	b, _ := json.Marshal(y)
	calFile := filepath.Join(f.dir, "calendar-2027.json")
	os.WriteFile(calFile, b, 0o644)
	if _, err := f.repo.Add(calFile, release.AddOptions{Kind: update.KindCalendar}); err != nil {
		t.Fatal(err)
	}
	if err := f.repo.Sign([]*release.Key{f.keys["targets"], f.keys["snapshot"], f.keys["timestamp"]}); err != nil {
		t.Fatal(err)
	}
	hubDir := t.TempDir()
	hub := startHub(t, hubDir)
	var out bytes.Buffer
	if err := f.repo.Publish(context.Background(), hub.url, "admin", hubPassword, &out); err != nil {
		t.Fatal(err)
	}
	node, admin := startOffice(t, hub, f.root, testkit.Binary(t, ""))
	procVersion := func() string {
		var p struct{ Version string }
		call(t, "GET", node.url+"/api/v1/procedures", admin, nil, &p)
		return p.Version
	}
	testkit.Eventually(t, 30*time.Second, "signed catalog applied", func() error {
		if v := procVersion(); v != "2026.1" {
			return fmt.Errorf("catalog %q", v)
		}
		return nil
	})
	var uv updateView
	testkit.Eventually(t, 10*time.Second, "calendar applied", func() error {
		call(t, "GET", node.url+"/api/v1/update", admin, nil, &uv)
		for _, e := range uv.History {
			if e.Target == "calendar/2027.json" && e.State == update.StateInstalled {
				return nil
			}
		}
		return fmt.Errorf("history %+v", uv.History)
	})
	var health struct {
		Update *struct{ Current, State string }
		Uplink struct {
			LastSync *time.Time `json:"last_sync"`
		}
	}
	call(t, "GET", node.url+"/api/v1/health", "", nil, &health)
	if health.Update == nil || health.Update.State == "" {
		t.Fatalf("health has no update: %+v", health)
	}

	// A broken-into hub publishes an unsigned catalog that would take over.
	it := signIn(t, hub.url, "admin", hubPassword)
	c, _ := app.DefaultCatalog()
	c.Version, c.EffectiveFrom = "2026.9", "2026-02-01"
	if st := call(t, "POST", hub.url+"/api/v1/publish", it, map[string]any{"kind": app.KindCatalogPublish, "communes": []string{"14701"}, "body": c}, nil); st != 201 {
		t.Fatalf("hub publish: %d", st)
	}
	published := time.Now()
	testkit.Eventually(t, 20*time.Second, "a sync after the hub's publish", func() error {
		call(t, "GET", node.url+"/api/v1/health", "", nil, &health)
		if health.Uplink.LastSync == nil || health.Uplink.LastSync.Before(published.Add(time.Second)) {
			return fmt.Errorf("last sync %v", health.Uplink.LastSync)
		}
		return nil
	})
	if v := procVersion(); v != "2026.1" {
		t.Fatalf("after the hub's unsigned catalog: %q", v)
	}

	// Another province's repository laid over this one's on the hub's disk.
	other := newRepo(t)
	other.addCatalog(t, "2026.7")
	other.repo.Sign([]*release.Key{other.keys["timestamp"]})
	other.repo.Sign([]*release.Key{other.keys["timestamp"]})
	raw, _ := os.ReadFile(filepath.Join(other.repo.Dir, "metadata", "timestamp.json"))
	os.WriteFile(filepath.Join(hubDir, "tuf", "metadata", "timestamp.json"), raw, 0o644)
	testkit.Eventually(t, 20*time.Second, "other province's metadata refused", func() error {
		call(t, "GET", node.url+"/api/v1/update", admin, nil, &uv)
		if uv.Update.State != update.StateRefused || uv.Update.Problem != update.EBadSignature {
			return fmt.Errorf("update %+v", uv.Update)
		}
		return nil
	})
	if v := procVersion(); v != "2026.1" {
		t.Fatalf("after another province's metadata: %q", v)
	}
	_ = cat
}
