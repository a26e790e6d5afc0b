package update_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xaso/app"
	"xaso/sync/update"
	"xaso/sync/update/release"
)

// repoFixture is a signed repository with one catalog version, and the
// root the PCs are installed with.
type repoFixture struct {
	repo *release.Repo
	keys map[string]*release.Key
	root []byte
	dir  string
}

func newRepo(t *testing.T) repoFixture {
	t.Helper()
	dir := t.TempDir()
	f := repoFixture{repo: &release.Repo{Dir: filepath.Join(dir, "repo")}, keys: map[string]*release.Key{}, dir: dir}
	for _, n := range []string{"root", "targets", "snapshot", "timestamp"} {
		p := filepath.Join(dir, n+".key")
		if _, err := release.Keygen(p); err != nil {
			t.Fatal(err)
		}
		k, err := release.ReadKey(p)
		if err != nil {
			t.Fatal(err)
		}
		f.keys[n] = k
	}
	if err := f.repo.Init(release.InitOptions{RootKeys: []*release.Key{f.keys["root"]}, Threshold: 1,
		Targets: f.keys["targets"], Snapshot: f.keys["snapshot"], Timestamp: f.keys["timestamp"]}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.root, err = os.ReadFile(filepath.Join(f.repo.Dir, "metadata", "1.root.json")); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f repoFixture) addCatalog(t *testing.T, version string) update.Target {
	t.Helper()
	c, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	c.Version, c.EffectiveFrom = version, "2026-01-01"
	b, _ := json.Marshal(c)
	p := filepath.Join(f.dir, "catalog-"+version+".json")
	os.WriteFile(p, b, 0o644)
	it, err := f.repo.Add(p, release.AddOptions{Kind: update.KindCatalog})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.repo.Sign([]*release.Key{f.keys["targets"], f.keys["snapshot"], f.keys["timestamp"]}); err != nil {
		t.Fatal(err)
	}
	return it
}

func errCode(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Provincial IT publishes to a real hub process; a PC's client refreshes
// over real HTTP, verifies, and fetches the catalog by its signed hash.
// Publishing needs an IT sign-in; the hub takes a target only under its
// own SHA-256; a hub broken into (its files changed on disk) cannot make a
// PC accept a forged catalog.
func TestHubServesSignedRepository(t *testing.T) {
	f := newRepo(t)
	it := f.addCatalog(t, "2026.1")
	hubDir := t.TempDir()
	hub := startHub(t, hubDir)
	ctx := context.Background()
	var out bytes.Buffer
	if err := f.repo.Publish(ctx, hub.url, "admin", "wrong-password", &out); errCode(err) != app.EBadCredentials {
		t.Fatalf("publish with a wrong password: %v", err)
	}
	if err := f.repo.Publish(ctx, hub.url, "admin", hubPassword, &out); err != nil {
		t.Fatal(err)
	}
	// Unsigned-in and mislabelled uploads are refused.
	req, _ := http.NewRequest(http.MethodPut, hub.url+update.HubMetadataPath+"timestamp.json", strings.NewReader("{}"))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous publish: %v %v", res, err)
	}
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": hubPassword})
	res, err := http.Post(hub.url+"/api/v1/sessions", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var sess struct{ Token string }
	json.NewDecoder(res.Body).Decode(&sess)
	res.Body.Close()
	req, _ = http.NewRequest(http.MethodPut, hub.url+update.HubTargetsPath+"catalog/"+strings.Repeat("0", 64)+".x.json", strings.NewReader("x"))
	req.Header.Set("Authorization", "Bearer "+sess.Token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a target under another hash: %v %v", res, err)
	}

	pc := filepath.Join(t.TempDir(), "update")
	mu, tu := update.HubURLs(hub.url)
	trust, err := update.NewTrust(update.Config{Dir: pc, Root: f.root, MetadataURL: mu, TargetsURL: tu})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := trust.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.Items) != 1 || rel.Items[0].SHA256 != it.SHA256 {
		t.Fatalf("refreshed %+v", rel.Items)
	}
	b, from, err := rel.Fetch(ctx, it.Path)
	if err != nil || from != update.FromHub || int64(len(b)) != it.Length {
		t.Fatalf("fetch: %v from %s, %d bytes", err, from, len(b))
	}
	if _, from, _ := rel.Fetch(ctx, it.Path); from != update.FromCache {
		t.Fatalf("second fetch from %s", from)
	}
	var health struct {
		Served int64 `json:"update_bytes_served"`
	}
	getJSON(t, hub.url+"/api/v1/health", &health)
	if health.Served != it.Length {
		t.Fatalf("hub served %d target bytes, want %d", health.Served, it.Length)
	}

	// Broken into: the catalog's bytes replaced on the hub's disk, then
	// its metadata too. Each PC refuses.
	var stored string
	filepath.WalkDir(filepath.Join(hubDir, "tuf", "targets"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			stored = p
		}
		return err
	})
	forged := bytes.Replace(b, []byte(`"2026.1"`), []byte(`"2026.X"`), 1)
	os.WriteFile(stored, forged, 0o644)
	fresh, _ := update.NewTrust(update.Config{Dir: filepath.Join(t.TempDir(), "u"), Root: f.root, MetadataURL: mu, TargetsURL: tu})
	rel2, err := fresh.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rel2.Fetch(ctx, it.Path); errCode(update.Explain(err)) != update.ETampered {
		t.Fatalf("forged target bytes: %v", err)
	}
	tj := filepath.Join(hubDir, "tuf", "metadata", "2.targets.json")
	raw, _ := os.ReadFile(tj)
	os.WriteFile(tj, bytes.Replace(raw, []byte(it.SHA256), []byte(strings.Repeat("0", 64)), 1), 0o644)
	fresh2, _ := update.NewTrust(update.Config{Dir: filepath.Join(t.TempDir(), "u"), Root: f.root, MetadataURL: mu, TargetsURL: tu})
	if _, err := fresh2.Refresh(ctx); errCode(update.Explain(err)) != update.EBadSignature {
		t.Fatalf("forged targets metadata: %v", err)
	}
}
