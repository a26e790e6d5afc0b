package cluster

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/hashicorp/raft"

	"xaso/app"
)

// An entry of the Raft log is a batch of commands: count(uvarint), then
// each command as len(uvarint) and its canonical bytes. An empty entry is a
// no-op.

func encodeEntry(cmds []app.Command) ([]byte, error) {
	buf := binary.AppendUvarint(nil, uint64(len(cmds)))
	for _, c := range cmds {
		raw, err := c.Encode()
		if err != nil {
			return nil, fmt.Errorf("encode command %s: %w", c.ID, err)
		}
		buf = binary.AppendUvarint(buf, uint64(len(raw)))
		buf = append(buf, raw...)
	}
	return buf, nil
}

func decodeEntry(b []byte) ([]app.Command, error) {
	if len(b) == 0 {
		return nil, nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errors.New("entry: bad count")
	}
	b = b[k:]
	out := make([]app.Command, 0, n)
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, errors.New("entry: bad length")
		}
		c, err := app.DecodeCommand(b[k : k+int(l)])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		b = b[k+int(l):]
	}
	return out, nil
}

// fsm applies committed entries to the store. Because Store.Apply is an
// idempotent, order-independent union, replaying the log after a restart,
// receiving commands already applied locally, or restoring a snapshot on
// top of existing state are all harmless.
//
// It never skips: when the store refuses a command (a full disk, a body it
// cannot decode), the fsm stops applying, keeps its applied index where it
// was and refuses snapshots, so that Raft keeps every entry from the refused
// one on. ApplyError reports why; the cluster reopens Raft now and then,
// which replays those entries, and the PC catches up once the store takes
// them (space freed, a newer version). Reads and local writes go on.
type fsm struct {
	st  Store
	log *slog.Logger

	mu      sync.Mutex
	applied uint64
	stopped error         // why applying stopped; nil while applying
	wake    chan struct{} // closed and replaced after every batch
}

// ErrApplyStopped is wrapped by the error ApplyError reports.
var ErrApplyStopped = errors.New("raft apply stopped")

func newFSM(st Store, log *slog.Logger) *fsm {
	return &fsm{st: st, log: log, wake: make(chan struct{})}
}

// Apply implements raft.FSM.
func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch implements raft.BatchingFSM: a burst of entries is one store
// commit and one fsync.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	if err := f.stopErr(); err != nil {
		for i := range out {
			out[i] = err
		}
		return out
	}
	var cmds []app.Command
	var index []uint64 // each command's entry
	for _, l := range logs {
		if l.Type != raft.LogCommand || len(l.Data) == 0 {
			continue
		}
		cs, err := decodeEntry(l.Data)
		if err != nil {
			return f.stop(out, l.Index, fmt.Errorf("entry cannot be decoded: %w", err))
		}
		cmds = append(cmds, cs...)
		for range cs {
			index = append(index, l.Index)
		}
	}
	if len(cmds) > 0 {
		if err := f.st.Apply(context.Background(), cmds...); err != nil {
			// Find the command the store refuses: the others before it
			// are applied, and nothing after it.
			f.log.Warn("batch apply failed, applying one by one", "err", err, "count", len(cmds))
			for i, c := range cmds {
				if err := f.st.Apply(context.Background(), c); err != nil {
					return f.stop(out, index[i], fmt.Errorf("command %s (%s) refused by the store: %w", c.ID, c.Kind, err))
				}
			}
		}
	}
	if len(logs) > 0 {
		f.mu.Lock()
		if idx := logs[len(logs)-1].Index; idx > f.applied {
			f.applied = idx
		}
		close(f.wake)
		f.wake = make(chan struct{})
		f.mu.Unlock()
	}
	return out
}

// stop records why applying stopped at the entry index and answers every
// entry of the batch with it.
func (f *fsm) stop(out []any, index uint64, err error) []any {
	err = fmt.Errorf("%w at entry %d: %w", ErrApplyStopped, index, err)
	f.log.Error("Raft apply stopped: this PC no longer takes the others' commands until the store accepts this one",
		"index", index, "err", err)
	f.mu.Lock()
	f.stopped = err
	f.mu.Unlock()
	for i := range out {
		out[i] = err
	}
	return out
}

// stopErr is why applying stopped, nil while applying.
func (f *fsm) stopErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stopped
}

// resume clears a stop before a new Raft instance replays the entries.
func (f *fsm) resume() {
	f.mu.Lock()
	f.stopped = nil
	f.mu.Unlock()
}

// waitApplied blocks until the entry at index has been applied here.
func (f *fsm) waitApplied(ctx context.Context, index uint64) error {
	for {
		f.mu.Lock()
		done, wake := f.applied >= index, f.wake
		f.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Snapshot implements raft.FSM. The state is the set of commands, so the
// snapshot streams them all from one read transaction in Persist; a
// snapshot that also holds later commands is still correct (a union).
// While applying is stopped there is none: the log must keep the refused
// entry and those after it.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	if err := f.stopErr(); err != nil {
		return nil, err
	}
	return &snapshot{st: f.st}, nil
}

// stateStore is a store that writes and installs state snapshots: its
// replicated buckets as stored, installed by a bulk copy instead of folding
// every command again (a PC that missed many commands catches up in
// seconds). store.Store is one.
type stateStore interface {
	WriteState(w io.Writer) error   // starts with stateMagic
	InstallState(r io.Reader) error // r starts after it
}

// stateMagic starts a state snapshot: store.StateMagic (fsm_test.go checks
// that they are equal).
const stateMagic = "xaso-state-1\n"

// Restore implements raft.FSM: install the state snapshot, or apply every
// command of a command stream (what older versions sent).
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	r := bufio.NewReaderSize(rc, 1<<16)
	if ss, ok := f.st.(stateStore); ok {
		if head, _ := r.Peek(len(stateMagic)); string(head) == stateMagic {
			r.Discard(len(head))
			if err := ss.InstallState(r); err != nil {
				return fmt.Errorf("restore snapshot: %w", err)
			}
			f.log.Info("state snapshot restored")
			f.resume()
			return nil
		}
	}
	batch := make([]app.Command, 0, 1024)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := f.st.Apply(context.Background(), batch...)
		batch = batch[:0]
		return err
	}
	total := 0
	for {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("restore snapshot: %w", err)
		}
		if n > maxFrame {
			return fmt.Errorf("restore snapshot: command of %d bytes", n)
		}
		raw := make([]byte, n)
		if _, err := io.ReadFull(r, raw); err != nil {
			return fmt.Errorf("restore snapshot: %w", err)
		}
		c, err := app.DecodeCommand(raw)
		if err != nil {
			return fmt.Errorf("restore snapshot: %w", err)
		}
		batch = append(batch, c)
		total++
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return fmt.Errorf("restore snapshot: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	f.log.Info("snapshot restored", "commands", total)
	// The store took every command up to the snapshot, a refused one too:
	// applying goes on from there.
	f.resume()
	return nil
}

type snapshot struct{ st Store }

func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if ss, ok := s.st.(stateStore); ok {
		if err := ss.WriteState(sink); err != nil {
			sink.Cancel()
			return fmt.Errorf("persist snapshot: %w", err)
		}
		return sink.Close()
	}
	w := bufio.NewWriterSize(sink, 1<<16)
	err := s.st.EachCommand(func(c app.Command) error {
		raw, err := c.Encode()
		if err != nil {
			return err
		}
		w.Write(binary.AppendUvarint(nil, uint64(len(raw))))
		_, err = w.Write(raw)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) Release() {}

// reset forgets the applied index when the Raft state is wiped.
func (f *fsm) reset() {
	f.mu.Lock()
	f.applied = 0
	f.stopped = nil
	f.mu.Unlock()
}
