package release

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"xaso/app"
	"xaso/sync/update"
)

// keys makes the key files of a repository in dir and reads them.
func keys(t *testing.T, dir string, names ...string) map[string]*Key {
	t.Helper()
	out := map[string]*Key{}
	for _, n := range names {
		p := filepath.Join(dir, n+".key")
		id, err := Keygen(p)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ReadKey(p)
		if err != nil {
			t.Fatal(err)
		}
		if k.ID != id {
			t.Fatalf("%s: id %s, keygen said %s", n, k.ID, id)
		}
		out[n] = k
	}
	return out
}

// CatalogFile writes a valid catalog version to a file in dir.
func catalogFile(t *testing.T, dir, version string) string {
	t.Helper()
	c, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	c.Version, c.EffectiveFrom = version, "2027-01-01"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "catalog-"+version+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type fixture struct {
	repo *Repo
	keys map[string]*Key
	root []byte // the root the PCs are shipped with (version 1)
	dir  string
}

func newRepo(t *testing.T, now func() time.Time) fixture {
	t.Helper()
	dir := t.TempDir()
	k := keys(t, dir, "root1", "root2", "targets", "snapshot", "timestamp", "stranger")
	r := &Repo{Dir: filepath.Join(dir, "repo"), Now: now}
	if err := r.Init(InitOptions{RootKeys: []*Key{k["root1"], k["root2"]}, Threshold: 2, Targets: k["targets"],
		Snapshot: k["snapshot"], Timestamp: k["timestamp"]}); err != nil {
		t.Fatal(err)
	}
	root, err := os.ReadFile(filepath.Join(r.Dir, "metadata", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{repo: r, keys: k, root: root, dir: dir}
}

func (f fixture) sign(t *testing.T, names ...string) {
	t.Helper()
	var ks []*Key
	for _, n := range names {
		ks = append(ks, f.keys[n])
	}
	if err := f.repo.Sign(ks); err != nil {
		t.Fatal(err)
	}
}

func code(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Keygen, init, add, sign, verify on real files: the PCs' client accepts
// the repository and sees the catalog with its signed version; a file
// checked offline matches, a changed one does not.
func TestReleaseRoundTrip(t *testing.T) {
	now := func() time.Time { return time.Now().UTC() }
	f := newRepo(t, now)
	if _, err := Keygen(filepath.Join(f.dir, "targets.key")); code(err) != app.EConflict {
		t.Fatalf("keygen over an existing key: %v", err)
	}
	cat := catalogFile(t, f.dir, "2027.1")
	it, err := f.repo.Add(cat, AddOptions{Kind: update.KindCatalog})
	if err != nil {
		t.Fatal(err)
	}
	if it.Path != "catalog/2027.1.json" || it.Version != "2027.1" {
		t.Fatalf("added %+v", it)
	}
	// Signing the staged catalog without the snapshot and timestamp keys is refused.
	if err := f.repo.Sign([]*Key{f.keys["targets"]}); code(err) != app.EInvalid {
		t.Fatalf("targets alone: %v", err)
	}
	f.sign(t, "targets", "snapshot", "timestamp")
	rel, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Targets != 2 || len(rel.Items) != 1 || rel.Items[0].Kind != update.KindCatalog || rel.Items[0].SHA256 != it.SHA256 {
		t.Fatalf("verified %+v", rel)
	}
	if err := CheckFile(rel, "catalog/2027.1.json", cat); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(f.dir, "tampered.json")
	raw, _ := os.ReadFile(cat)
	os.WriteFile(bad, append(raw[:len(raw)-1:len(raw)-1], ' ', '}'), 0o644)
	if err := CheckFile(rel, "catalog/2027.1.json", bad); code(err) != update.ETooLarge {
		t.Fatalf("a longer file: %v", err)
	}
	raw[len(raw)-2] ^= 1
	os.WriteFile(bad, raw, 0o644)
	if err := CheckFile(rel, "catalog/2027.1.json", bad); code(err) != update.ETampered {
		t.Fatalf("a changed file: %v", err)
	}
	// An invalid catalog is refused at add, by the PCs' own rules.
	os.WriteFile(bad, []byte(`{"version":"x y","procedures":[]}`), 0o644)
	if _, err := f.repo.Add(bad, AddOptions{Kind: update.KindCatalog}); code(err) != app.EInvalid {
		t.Fatalf("an invalid catalog: %v", err)
	}
}

// Each attack on the metadata is refused by the PCs' client with its code.
func TestReleaseAttacksRefused(t *testing.T) {
	now := func() time.Time { return time.Now().UTC() }
	cases := []struct {
		name   string
		attack func(t *testing.T, f fixture)
		want   string
		now    func() time.Time
	}{
		{"forged targets (content changed, signatures kept)", func(t *testing.T, f fixture) {
			p := filepath.Join(f.repo.Dir, "metadata", "2.targets.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), `"2027.1"`, `"2027.9"`, 1)), 0o644)
		}, update.EBadSignature, nil},
		{"timestamp signed by an unknown key", func(t *testing.T, f fixture) {
			resign(t, f, "timestamp.json", f.keys["stranger"])
		}, update.EBadSignature, nil},
		{"expired timestamp (freeze)", nil, update.EExpired, func() time.Time { return time.Now().UTC().Add(8 * 24 * time.Hour) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRepo(t, now)
			if _, err := f.repo.Add(catalogFile(t, f.dir, "2027.1"), AddOptions{Kind: update.KindCatalog}); err != nil {
				t.Fatal(err)
			}
			f.sign(t, "targets", "snapshot", "timestamp")
			if c.attack != nil {
				c.attack(t, f)
			}
			check := now
			if c.now != nil {
				check = c.now
			}
			_, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, Now: check})
			if code(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
}

// A PC that has seen timestamp 3 refuses timestamp 2 served again
// (rollback), and a snapshot older than one seen.
func TestReleaseRollbackRefused(t *testing.T) {
	now := func() time.Time { return time.Now().UTC() }
	f := newRepo(t, now)
	state := filepath.Join(f.dir, "pc")
	ts := filepath.Join(f.repo.Dir, "metadata", "timestamp.json")
	f.sign(t, "timestamp")
	old, _ := os.ReadFile(ts) // version 2
	f.sign(t, "timestamp")    // version 3
	if _, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, State: state, Now: now}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(ts, old, 0o644)
	if _, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, State: state, Now: now}); code(err) != update.ERollback {
		t.Fatalf("replayed timestamp: %v", err)
	}
	// A fresh PC (no memory) accepts the older one: the floor is what a PC has seen.
	if _, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, Now: now}); err != nil {
		t.Fatal(err)
	}
}

// Rotations: a root change below the threshold is refused; the release
// key and the timestamp key replaced keep a PC that knew only root 1
// updating; a metadata signed by the replaced key is refused after.
func TestReleaseRotate(t *testing.T) {
	now := func() time.Time { return time.Now().UTC() }
	f := newRepo(t, now)
	state := filepath.Join(f.dir, "pc")
	if _, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, State: state, Now: now}); err != nil {
		t.Fatal(err)
	}
	nk := keys(t, f.dir, "targets2", "timestamp2")
	if err := f.repo.Rotate(metadata.TARGETS, f.keys["targets"], nk["targets2"], []*Key{f.keys["root1"]}); code(err) != update.EBadSignature {
		t.Fatalf("one root key of two: %v", err)
	}
	if err := f.repo.Rotate(metadata.TARGETS, f.keys["targets"], nk["targets2"], []*Key{f.keys["root1"], f.keys["root2"]}); err != nil {
		t.Fatal(err)
	}
	if err := f.repo.Rotate(metadata.TIMESTAMP, f.keys["timestamp"], nk["timestamp2"], []*Key{f.keys["root1"], f.keys["root2"]}); err != nil {
		t.Fatal(err)
	}
	// The old release key no longer signs anything of this repository.
	if err := f.repo.Sign([]*Key{f.keys["targets"], f.keys["snapshot"], nk["timestamp2"]}); code(err) != app.EInvalid {
		t.Fatalf("the replaced key: %v", err)
	}
	if _, err := f.repo.Add(catalogFile(t, f.dir, "2027.2"), AddOptions{Kind: update.KindCatalog}); err != nil {
		t.Fatal(err)
	}
	f.keys["targets2"], f.keys["timestamp2"] = nk["targets2"], nk["timestamp2"]
	f.sign(t, "targets2", "snapshot", "timestamp2")
	rel, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, State: state, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Root != 3 || len(rel.Items) != 1 || rel.Items[0].Version != "2027.2" {
		t.Fatalf("after rotation: root %d, %+v", rel.Root, rel.Items)
	}
	// A timestamp signed by the replaced key is refused.
	resign(t, f, "timestamp.json", f.keys["timestamp"])
	if _, err := f.repo.Verify(context.Background(), VerifyOptions{Root: f.root, State: state, Now: now}); code(err) != update.EBadSignature {
		t.Fatalf("the replaced timestamp key: %v", err)
	}
}

// resign replaces a metadata file's signatures with one of k (a version
// one higher, so that only the signature is wrong).
func resign(t *testing.T, f fixture, name string, k *Key) {
	t.Helper()
	p := filepath.Join(f.repo.Dir, "metadata", name)
	ts, err := metadata.Timestamp().FromFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ts.Signed.Version++
	if err := signAll(ts, []*Key{k}); err != nil {
		t.Fatal(err)
	}
	if err := ts.ToFile(p, true); err != nil {
		t.Fatal(err)
	}
}
