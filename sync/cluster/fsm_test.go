package cluster

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"xaso/app"
	"xaso/build/testkit"
	"xaso/store"
	"xaso/sync/peer"
)

// refusingStore is a real store whose Apply refuses one command while told
// to, as a full disk or an older version would.
type refusingStore struct {
	*store.Store
	id     string
	refuse atomic.Bool
}

func (s *refusingStore) Apply(ctx context.Context, cmds ...app.Command) error {
	for _, c := range cmds {
		if c.ID == s.id && s.refuse.Load() {
			return errors.New("disk full")
		}
	}
	return s.Store.Apply(ctx, cmds...)
}

// A command the store refuses stops this PC's Raft apply, loudly, instead
// of being skipped: the commands after it wait too, and no snapshot is
// taken. Once the store takes it, Raft is reopened, replays the log and the
// PC catches up with every command.
func TestFSMStopsOnRefusedCommand(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	user := func(i int) app.Command {
		c, err := app.NewCommand(fmt.Sprintf("user-cmd-%04d", i), app.KindUserCreate, "admin", st.NodeID(),
			app.HLC(1000+i), &app.UserBody{Username: fmt.Sprintf("u%d", i), FullName: "Cán bộ"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	bad := user(2)
	rs := &refusingStore{Store: st, id: bad.ID}
	cl, err := New(Config{NodeID: st.NodeID(), Commune: "14701", Dir: filepath.Join(dir, "raft"),
		Listen: "127.0.0.1:0", JoinCode: peer.NewJoinCode(), Store: rs, JoinWait: 100 * time.Millisecond,
		ApplyRetry: 500 * time.Millisecond,
		Timing: Timing{Heartbeat: 150 * time.Millisecond, Election: 150 * time.Millisecond,
			LeaderLease: 100 * time.Millisecond, CommitTimeout: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cl.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	pending := func() int {
		n, err := st.Unreplicated("")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	appendCmd := func(c app.Command) {
		if err := st.Append(ctx, c); err != nil {
			t.Fatal(err)
		}
		cl.Notify()
	}

	appendCmd(user(1))
	testkit.WaitFor(t, 20*time.Second, "the first command replicated", func() bool { return pending() == 0 })

	rs.refuse.Store(true)
	appendCmd(bad)
	testkit.WaitFor(t, 20*time.Second, "apply to stop", func() bool { return cl.ApplyError() != nil })
	if err := cl.ApplyError(); !errors.Is(err, ErrApplyStopped) {
		t.Fatalf("ApplyError = %v, want ErrApplyStopped", err)
	}
	if _, err := cl.fsm.Snapshot(); err == nil {
		t.Fatal("a snapshot was taken while applying is stopped")
	}
	appendCmd(user(3))
	time.Sleep(time.Second) // a Raft reopen or two: still refused
	if p := pending(); p != 2 || cl.ApplyError() == nil {
		t.Fatalf("after a refused command: %d pending (want 2), apply error %v", p, cl.ApplyError())
	}

	rs.refuse.Store(false) // fixed: the next reopen replays the log
	testkit.WaitFor(t, 20*time.Second, "apply to resume and catch up", func() bool { return cl.ApplyError() == nil && pending() == 0 })
	for i := 1; i <= 3; i++ {
		if u, err := st.User(fmt.Sprintf("u%d", i)); err != nil || u.FullName != "Cán bộ" {
			t.Fatalf("user u%d: %+v %v", i, u, err)
		}
	}
}

// A snapshot the store takes whole (the refused command in it) lets the
// stopped FSM apply again; one it refuses keeps it stopped.
func TestFSMRestoreResumes(t *testing.T) {
	st, err := store.Open(store.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := app.NewCommand("user-cmd-0001", app.KindUserCreate, "admin", st.NodeID(), 1000,
		&app.UserBody{Username: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	rs := &refusingStore{Store: st, id: c.ID}
	rs.refuse.Store(true)
	f := newFSM(rs, slog.New(slog.DiscardHandler))
	entry, err := encodeEntry([]app.Command{c})
	if err != nil {
		t.Fatal(err)
	}
	if out := f.ApplyBatch([]*raft.Log{{Index: 7, Type: raft.LogCommand, Data: entry}}); out[0] == nil || f.stopErr() == nil {
		t.Fatalf("a refused command was applied: %v", out[0])
	}
	raw, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	snap := append(binary.AppendUvarint(nil, uint64(len(raw))), raw...)
	if err := f.Restore(io.NopCloser(bytes.NewReader(snap))); err == nil || f.stopErr() == nil {
		t.Fatalf("a snapshot the store refuses: restore %v, stopped %v", err, f.stopErr())
	}
	rs.refuse.Store(false)
	if err := f.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil || f.stopErr() != nil {
		t.Fatalf("after a snapshot the store took: restore %v, stopped %v", err, f.stopErr())
	}
}

func TestStateMagicIsTheStores(t *testing.T) {
	if stateMagic != store.StateMagic {
		t.Fatalf("stateMagic %q, the store writes %q", stateMagic, store.StateMagic)
	}
}
