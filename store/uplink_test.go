package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

func unsentIDs(t *testing.T, s *Store) []string {
	t.Helper()
	cmds, n, err := s.Unsent("", 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, c := range cmds {
		ids = append(ids, c.ID)
	}
	if n != len(ids) {
		t.Fatalf("Unsent counts %d, returns %d", n, len(ids))
	}
	return ids
}

// The uplink's sent-marks are replicated: a PC that applied the leader's
// uplink.sent (a new leader) sends only what the old one did not; the
// hub's commands and the office-only ones are never offered; the
// office-only commands leave the state hash equal to the hub's copy; a
// PC that installs a state snapshot, and a store of an earlier version
// (per-PC marks), end with the same index.
func TestUnsentIndexReplicated(t *testing.T) {
	ctx := context.Background()
	g := &gen{at: t0}
	var office []app.Command
	for i := range 5 {
		office = append(office, g.cmd(t, app.KindUserCreate, "admin", "na", time.Minute,
			&app.UserBody{Username: "u" + string(rune('a'+i)), FullName: "Nguyễn Văn An"}))
	}
	down := g.cmd(t, app.KindUserCreate, "hub:admin", "hub", time.Minute, &app.UserBody{Username: "tinh", FullName: "Trần Thị Bình"})
	down.ID = app.HubIDPrefix + "14701.0000000000000001"
	key := g.cmd(t, app.KindInstallKey, "system", "na", time.Minute, &app.InstallKey{Seed: bytes.Repeat([]byte{7}, 32)})
	key.ID = app.InstallKeyPrefix + "0001"
	sent := g.cmd(t, app.KindUplinkSent, "system", "na", time.Minute, &app.UplinkSent{IDs: []string{office[0].ID, office[1].ID}})
	sent.ID = app.UplinkSentPrefix + "0001"

	leader, follower := openTest(t), openTest(t)
	if err := leader.Append(ctx, append(slices.Clone(office), down, key)...); err != nil {
		t.Fatal(err)
	}
	applyAll(t, follower, append(slices.Clone(office), down, key), 3)
	want := []string{office[0].ID, office[1].ID, office[2].ID, office[3].ID, office[4].ID}
	if got := unsentIDs(t, follower); !slices.Equal(got, want) {
		t.Fatalf("before any push: %v, want %v", got, want)
	}
	if err := leader.Append(ctx, sent); err != nil {
		t.Fatal(err)
	}
	applyAll(t, follower, []app.Command{sent}, 1)
	want = want[2:]
	for name, s := range map[string]*Store{"leader": leader, "new leader": follower} {
		if got := unsentIDs(t, s); !slices.Equal(got, want) {
			t.Fatalf("%s after the push: %v, want %v", name, got, want)
		}
	}

	hubCopy, err := Open(Config{Dir: t.TempDir(), HubCopy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer hubCopy.Close()
	applyAll(t, hubCopy, append(slices.Clone(office), down), 4)
	if h := hash(t, hubCopy); h != hash(t, leader) || h != hash(t, follower) {
		t.Fatal("the office-only commands change the state hash")
	}
	if got := unsentIDs(t, hubCopy); len(got) != 0 {
		t.Fatalf("a hub's copy indexes %v", got)
	}

	var buf bytes.Buffer
	if err := leader.WriteState(&buf); err != nil {
		t.Fatal(err)
	}
	joined := openTest(t)
	if err := joined.InstallState(bytes.NewReader(buf.Bytes()[len(StateMagic):])); err != nil {
		t.Fatal(err)
	}
	if got := unsentIDs(t, joined); !slices.Equal(got, want) {
		t.Fatalf("after a state snapshot: %v, want %v", got, want)
	}
	if k, ok, err := joined.InstallKey(); err != nil || !ok || !bytes.Equal(k.Seed, bytes.Repeat([]byte{7}, 32)) {
		t.Fatalf("the office's key after a state snapshot: %v %v", ok, err)
	}

	// A store of an earlier version: no index, its own marks of office[2].
	dir := t.TempDir()
	old, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, old, append(slices.Clone(office), down, key, sent), 2)
	err = old.DB().Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bUnsent); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bUplinkSentOld)
		if err != nil {
			return err
		}
		return b.Put([]byte(office[2].ID), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	upgraded, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer upgraded.Close()
	if got := unsentIDs(t, upgraded); !slices.Equal(got, want[1:]) {
		t.Fatalf("after an upgrade: %v, want %v", got, want[1:])
	}
}

// A command may wear an office-only ID prefix only if it is of that kind,
// and such a kind only with its prefix.
func TestOfficeOnlyPrefixes(t *testing.T) {
	g := &gen{at: t0}
	user := g.cmd(t, app.KindUserCreate, "admin", "na", time.Minute, &app.UserBody{Username: "an", FullName: "Nguyễn Văn An"})
	key := g.cmd(t, app.KindInstallKey, "system", "na", time.Minute, &app.InstallKey{Seed: bytes.Repeat([]byte{7}, 32)})
	for _, c := range []struct {
		cmd app.Command
		id  string
		ok  bool
	}{
		{user, app.InstallKeyPrefix + "0001", false},
		{user, app.UplinkSentPrefix + "0001", false},
		{key, app.RandomID(), false},
		{key, app.UplinkSentPrefix + "0001", false},
		{key, app.InstallKeyPrefix + "0001", true},
	} {
		c.cmd.ID = c.id
		if err := c.cmd.Check(); (err == nil) != c.ok {
			t.Errorf("%s with ID %s: %v", c.cmd.Kind, c.id, err)
		}
	}
}

// An identity command of an earlier version (with the key's seed in it)
// still decodes and folds; it gives the office no signing key.
func TestLegacyIdentityDecodes(t *testing.T) {
	g := &gen{at: t0}
	c := g.cmd(t, app.KindInstallation, "system", "na", time.Minute, &app.Installation{ID: "i0001", Commune: "14701"})
	c.Body = []byte(`{"id":"i0001","commune":"14701","seed":"` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)) + `"}`)
	s := openTest(t)
	if err := s.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if in, ok, err := s.Installation(); err != nil || !ok || in.ID != "i0001" {
		t.Fatalf("identity: %v %v %v", in, ok, err)
	}
	if _, ok, _ := s.InstallKey(); ok {
		t.Fatal("a legacy identity gave the office a key")
	}
}
