package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	"xaso/app"
)

// TestStateSnapshotInstall: a PC that holds part of the commands, one of
// its own not yet replicated, and a sign-in installs a peer's state
// snapshot: it then holds the union (the same bytes as a store that applied
// every command), keeps its identity, its sign-in and its own pending
// command, and no longer counts as pending what the snapshot holds.
func TestStateSnapshotInstall(t *testing.T) {
	cs := scenario(t)
	peer := openTest(t)
	applyAll(t, peer, cs, 7)
	g := &gen{at: t0.Add(24 * time.Hour)}
	own := g.cmd(t, app.KindDossierReceive, "desk", "nc", time.Minute,
		receiveBody("dossier-own", app.FormatCode("000.00.31.H42", t0.Add(24*time.Hour), 1), "Đỗ Thị Lan", g.at, 1))

	s := openTest(t)
	node := s.NodeID()
	if err := s.Append(context.Background(), cs[0], cs[1], own); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession("tok", app.Session{Username: "mai", Created: t0, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := peer.WriteState(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(StateMagic)) {
		t.Fatal("the snapshot does not start with its magic")
	}
	if err := s.InstallState(bytes.NewReader(buf.Bytes()[len(StateMagic):])); err != nil {
		t.Fatal(err)
	}

	want := openTest(t)
	applyAll(t, want, append(append([]app.Command{}, cs...), own), 5)
	if got, w := hash(t, s), hash(t, want); got != w {
		t.Fatalf("state after the install %s, want the union's %s", got, w)
	}
	if s.NodeID() != node {
		t.Error("the node's identity changed")
	}
	if sess, err := s.Session("tok"); err != nil || sess.Username != "mai" {
		t.Errorf("the sign-in is gone: %+v %v", sess, err)
	}
	if n, _ := s.Unreplicated(""); n != 1 {
		t.Errorf("%d pending after the install, want 1 (its own command)", n)
	}
	if p, _ := s.Pending(10, nil); len(p) != 1 || p[0].ID != own.ID {
		t.Errorf("pending after the install: %v", p)
	}
	// It goes on: a write, then a restart, keep the state.
	if err := s.Apply(context.Background(), cs[2]); err != nil {
		t.Fatal(err)
	}
	before := hash(t, s)
	dir := s.dir
	s.Close()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if hash(t, s) != before {
		t.Fatal("state changed across a restart after the install")
	}
}
