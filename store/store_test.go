package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, app.VN())

// gen builds commands for tests, with times that advance per command.
type gen struct {
	n  int
	at time.Time
}

func (g *gen) cmd(t testing.TB, kind, actor, node string, dt time.Duration, body app.Body) app.Command {
	t.Helper()
	g.n++
	g.at = g.at.Add(dt)
	c, err := app.NewCommand(fmt.Sprintf("cmd-%06d-%s", g.n, node), kind, actor, node, app.MakeHLC(g.at.UnixMilli(), 0), body)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func receiveBody(id, code, name string, at time.Time, seq int) *app.ReceiveBody {
	return &app.ReceiveBody{DossierID: id, Code: code, Slot: 0, Seq: seq, Channel: app.ChannelInPerson,
		Procedure: app.ProcedureRef{Code: "1.001193", Name: "Đăng ký khai sinh", Version: "t", Rule: app.DeadlineRule{Kind: "same_day"}},
		Applicant: app.Applicant{FullName: name, IDNumber: "037090001234"}, Documents: []app.Document{{Name: "Tờ khai", Copies: 1}},
		ReceivedAt: at, DueAt: at.Add(8 * time.Hour)}
}

// scenario is a set of commands from two PCs that were apart: a dossier
// both acted on (a conflict), users, slots, and a kind from a newer version.
func scenario(t testing.TB) []app.Command {
	g := &gen{at: t0}
	var cs []app.Command
	for i := range 6 {
		node := []string{"na", "nb"}[i%2]
		id := fmt.Sprintf("dossier-%04d", i)
		cs = append(cs, g.cmd(t, app.KindDossierReceive, "desk", node, time.Minute,
			receiveBody(id, app.FormatCode("000.00.31.H42", t0, i+1), []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Đức"}[i%3], g.at, i+1)))
	}
	act := func(id string, a app.Action, node string, dt time.Duration) {
		cs = append(cs, g.cmd(t, app.KindDossierAct, "officer", node, dt, &app.ActBody{DossierID: id, Action: a, Note: "ghi chú"}))
	}
	act("dossier-0000", app.ActForward, "na", time.Minute)
	act("dossier-0000", app.ActResolve, "na", time.Minute)
	act("dossier-0000", app.ActReturn, "na", time.Minute)
	act("dossier-0001", app.ActForward, "nb", time.Minute)
	// Apart: one PC stops it, the other resolves it, at nearly the same time.
	act("dossier-0001", app.ActStop, "na", time.Second)
	act("dossier-0001", app.ActResolve, "nb", time.Second)
	act("dossier-0002", app.ActWithdraw, "na", time.Minute)
	act("dossier-0002", app.ActForward, "nb", time.Second) // conflicts with the withdrawal
	act("dossier-0003", app.ActForward, "nb", time.Minute)
	act("dossier-0003", app.ActRequestSupplement, "nb", time.Minute)
	cs = append(cs, g.cmd(t, app.KindDossierAct, "officer", "na", time.Hour,
		&app.ActBody{DossierID: "dossier-0003", Action: app.ActSupplement, DueAt: t0.Add(48 * time.Hour)}))
	act("dossier-9999", app.ActForward, "nb", time.Minute) // a dossier this set never received
	cs = append(cs, g.cmd(t, app.KindUserCreate, "system", "na", time.Minute,
		&app.UserBody{Username: "mai", FullName: "Mai", Roles: []app.Role{app.RoleReceiver}, PasswordHash: "h"}))
	cs = append(cs, g.cmd(t, app.KindUserCreate, "system", "nb", time.Second,
		&app.UserBody{Username: "mai", FullName: "Mai B", Roles: []app.Role{app.RoleLeader}, PasswordHash: "h2"}))
	cs = append(cs, g.cmd(t, app.KindSlotLease, "system", "na", time.Minute, &app.SlotBody{Slot: 0, Node: "na"}))
	cs = append(cs, g.cmd(t, app.KindSlotLease, "system", "nb", time.Second, &app.SlotBody{Slot: 0, Node: "nb"}))
	cs = append(cs, g.cmd(t, app.KindCommuneConfigure, "system", "na", time.Minute,
		&app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"}))
	future := g.cmd(t, app.KindDossierAct, "officer", "nb", time.Minute, &app.ActBody{DossierID: "dossier-0004", Action: app.ActForward})
	future.Kind, future.V = "dossier.digital_sign", 3
	cs = append(cs, future)
	return cs
}

func applyAll(t testing.TB, s *Store, cs []app.Command, batch int) {
	t.Helper()
	for i := 0; i < len(cs); i += batch {
		if err := s.Apply(context.Background(), cs[i:min(i+batch, len(cs))]...); err != nil {
			t.Fatal(err)
		}
	}
}

func hash(t testing.TB, s *Store) string {
	t.Helper()
	h, err := s.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestConvergence applies the same commands in many random orders and batch
// sizes to separate stores: every store must hold the same bytes, and
// applying everything again must change nothing.
func TestConvergence(t *testing.T) {
	cs := scenario(t)
	ref := openTest(t)
	applyAll(t, ref, cs, 1)
	want := hash(t, ref)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 25 {
		order := append([]app.Command(nil), cs...)
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		s := openTest(t)
		applyAll(t, s, order, 1+rng.IntN(5))
		if got := hash(t, s); got != want {
			t.Fatalf("order %d: state hash %s, want %s", i, got, want)
		}
		applyAll(t, s, order[:len(order)/2], 3)
		if got := hash(t, s); got != want {
			t.Fatalf("order %d: re-applying changed the state", i)
		}
	}
	// The fold itself, checked on the reference store.
	d, err := ref.Dossier("dossier-0001")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != app.StatusStopped || len(d.Conflicts) != 1 || d.Conflicts[0].Action != app.ActResolve {
		t.Errorf("dossier-0001: status %s conflicts %+v; want stopped with the resolve kept as a conflict", d.Status, d.Conflicts)
	}
	d, _ = ref.Dossier("dossier-0002")
	if d.Status != app.StatusWithdrawn || len(d.Conflicts) != 1 {
		t.Errorf("dossier-0002: status %s conflicts %d; want withdrawn with 1 conflict", d.Status, len(d.Conflicts))
	}
	d, _ = ref.Dossier("dossier-0003")
	if d.Status != app.StatusProcessing || !d.DueAt.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("dossier-0003: status %s due %s; want processing, due moved by the supplement", d.Status, d.DueAt)
	}
	if _, err := ref.Dossier("dossier-9999"); app.ErrorCode(err) != app.ENotFound {
		t.Errorf("an action without its dossier shows as a dossier: %v", err)
	}
	u, _ := ref.User("mai")
	if u.FullName != "Mai" || len(u.Conflicts) != 1 {
		t.Errorf("user mai: %+v; want the first creation kept and the second as a conflict", u)
	}
	slots, _ := ref.Slots()
	if len(slots) != 1 || slots[0].Holder != "na" || len(slots[0].Conflicts) != 1 {
		t.Errorf("slots %+v: want slot 0 held by na with nb's lease as a conflict", slots)
	}
}

func TestUnknownKindKeptAndIgnored(t *testing.T) {
	s := openTest(t)
	cs := scenario(t)
	applyAll(t, s, cs, 4)
	future := cs[len(cs)-1]
	d, err := s.Dossier("dossier-0004")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != app.StatusReceived {
		t.Errorf("a command of an unknown kind changed the dossier: %s", d.Status)
	}
	var n int
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bCmds).Get([]byte(future.ID)) != nil && tx.Bucket(bUnknown).Get([]byte(future.ID)) != nil {
			n = 1
		}
		return nil
	})
	if n != 1 {
		t.Error("the unknown command was not kept for a later version")
	}
}

func TestBrokenCommandFailsLoudly(t *testing.T) {
	s := openTest(t)
	g := &gen{at: t0}
	good := g.cmd(t, app.KindDossierReceive, "desk", "na", time.Minute, receiveBody("d1", "C-260302-0001", "An", t0, 1))
	bad := good
	bad.ID = "broken-command-1"
	bad.Body = json.RawMessage(`{"dossier_id": 12}`)
	if err := s.Apply(context.Background(), bad); err == nil {
		t.Fatal("a command whose body cannot be decoded was accepted")
	}
	before := hash(t, s)
	if err := s.Apply(context.Background(), good, bad); err == nil {
		t.Fatal("a batch holding a broken command was accepted")
	}
	if hash(t, s) != before {
		t.Fatal("a rejected batch changed the state")
	}
}

func TestOpenTwiceReportsLockedFolder(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(Config{Dir: dir, OpenTimeout: 100 * time.Millisecond})
	var e *app.Error
	if !errors.As(err, &e) || e.Code != app.EDataDirLocked {
		t.Fatalf("second open: %v; want data_dir_locked", err)
	}
}

func TestNodeIDAndClockFloorSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	id := s.NodeID()
	applyAll(t, s, scenario(t), 5)
	top, _ := s.MaxHLC()
	s.Close()
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.NodeID() != id {
		t.Errorf("node ID changed across restart: %s → %s", id, s.NodeID())
	}
	if h, _ := s.MaxHLC(); h != top || h == 0 {
		t.Errorf("clock floor %v after restart, want %v", h, top)
	}
}

func TestPendingUntilReplicated(t *testing.T) {
	s := openTest(t)
	cs := scenario(t)[:3]
	if err := s.Append(context.Background(), cs...); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(context.Background(), cs[0]); err != nil { // a retry: not counted twice
		t.Fatal(err)
	}
	if n, _ := s.Unreplicated(""); n != 3 {
		t.Fatalf("unreplicated %d, want 3", n)
	}
	if n, _ := s.Unreplicated("dossier/dossier-0000"); n != 1 {
		t.Fatalf("unreplicated for one dossier %d, want 1", n)
	}
	if err := s.Apply(context.Background(), cs[0], cs[1]); err != nil { // they came back through the cluster
		t.Fatal(err)
	}
	if n, _ := s.Unreplicated(""); n != 1 {
		t.Fatalf("unreplicated %d after replication, want 1", n)
	}
	if n, _ := s.Unreplicated("dossier/dossier-0000"); n != 0 {
		t.Fatalf("dossier still unreplicated after replication: %d", n)
	}
}

// TestUnknownKindAppliedAfterUpgrade: a command stored while its kind was
// unknown takes effect when a version that knows it opens the store.
func TestUnknownKindAppliedAfterUpgrade(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	g := &gen{at: t0}
	recv := g.cmd(t, app.KindDossierReceive, "desk", "na", time.Minute, receiveBody("d1", "C-260302-0001", "An", t0, 1))
	fwd := g.cmd(t, app.KindDossierAct, "officer", "na", time.Minute, &app.ActBody{DossierID: "d1", Action: app.ActForward})
	later := fwd
	later.Kind = "dossier.act.v9" // what an older binary saw: a kind it did not know
	if err := s.Apply(context.Background(), recv, later); err != nil {
		t.Fatal(err)
	}
	// Pretend the upgrade taught us the kind: rewrite the stored command.
	err = s.db.Update(func(tx *bolt.Tx) error {
		raw, _ := fwd.Encode()
		return tx.Bucket(bCmds).Put([]byte(fwd.ID), pack(raw))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.Dossier("d1")
	if err != nil || d.Status != app.StatusProcessing {
		t.Fatalf("after the upgrade: %v %s; want processing", err, d.Status)
	}
}

// TestCodeIssuedTwice: two clusters set up apart gave one code to two
// dossiers. In any arrival order the code resolves to the least dossier ID,
// both dossiers are found under it, and a recode of the other frees it.
func TestCodeIssuedTwice(t *testing.T) {
	g := &gen{at: t0}
	code := "000.00.31.H42-260302-0001"
	a := g.cmd(t, app.KindDossierReceive, "desk", "na", time.Minute, receiveBody("dossier-a", code, "Lê An", t0, 1))
	b := g.cmd(t, app.KindDossierReceive, "desk", "nb", time.Second, receiveBody("dossier-b", code, "Vũ Bình", t0, 1))
	recode := g.cmd(t, app.KindDossierAct, "desk", "na", time.Hour, &app.ActBody{DossierID: "dossier-a", Action: app.ActRecode,
		Code: "000.00.31.H42-260302-1001", Slot: 1, Seq: 1001})
	var hashes []string
	for _, order := range [][]app.Command{{a, b}, {b, a}} {
		s := openTest(t)
		applyAll(t, s, order, 1)
		if id, _ := s.DossierIDByCode(code); id != "dossier-a" {
			t.Fatalf("code owner %q, want the least ID", id)
		}
		if ids, _ := s.CodeClaims(code); len(ids) != 2 {
			t.Fatalf("claims %v, want both dossiers", ids)
		}
		items, _, _ := s.Dossiers(app.ListQuery{Q: code, Limit: 10})
		if len(items) != 2 {
			t.Fatalf("search by the code finds %d dossiers, want 2", len(items))
		}
		applyAll(t, s, []app.Command{recode}, 1)
		if id, _ := s.DossierIDByCode(code); id != "dossier-b" {
			t.Fatalf("after recode the code belongs to %q, want dossier-b", id)
		}
		if id, _ := s.DossierIDByCode("000.00.31.H42-260302-1001"); id != "dossier-a" {
			t.Fatalf("the new code resolves to %q", id)
		}
		if n, _ := s.MaxSeq("260302", 1); n != 1001 {
			t.Fatalf("the recode's number is not counted: %d", n)
		}
		hashes = append(hashes, hash(t, s))
	}
	if hashes[0] != hashes[1] {
		t.Fatal("arrival order changed the state")
	}
}

// TestApplyRacingClose: a write that races the store's Close is answered,
// with ErrClosed or its commit, and never waits for ever (a command could
// slip into the queue after the writer's last drain and hang its caller).
func TestApplyRacingClose(t *testing.T) {
	for i := range 200 {
		s, err := Open(Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		g := &gen{at: t0}
		c := g.cmd(t, app.KindUserCreate, "admin", "na", time.Minute, &app.UserBody{Username: fmt.Sprintf("u%d", i)})
		done := make(chan error, 1)
		go func() { done <- s.Apply(context.Background(), c) }()
		s.Close()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, ErrClosed) {
				t.Fatalf("run %d: %v", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d: Apply still waiting 5 s after Close", i)
		}
	}
}
