package cluster

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"xaso/sync/peer"
)

// Raft takes a snapshot every SnapshotThreshold entries to cut its log. The
// store is durable and holds every command already, so the snapshot a node
// takes of itself is a marker (lazyMarker) and costs no copy of the state:
// the state is written only when a follower needs it, that is when the
// leader opens the snapshot to send it (a follower too far behind for the
// log it kept). The state then written is the store's as it is at that
// moment, which may hold commands past the snapshot's index: installing it
// and then applying those entries again is harmless (Apply is a union).
//
// A snapshot received from the leader is a real state snapshot and is kept
// and opened as received.

// lazyMarker is the whole body of a snapshot a node takes of itself.
const lazyMarker = "xaso-lazy-state-1\n"

// lazySnapshots is Raft's snapshot store: a file snapshot store whose
// marker snapshots are opened as the store's state.
type lazySnapshots struct {
	*raft.FileSnapshotStore
	st   stateStore // nil: snapshots stay what Persist wrote (a command stream)
	tmp  string     // folder of the states written to send
	path string     // the file store's folder of snapshots (<base>/snapshots)
}

// Open implements raft.SnapshotStore.
func (s *lazySnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	meta, rc, err := s.FileSnapshotStore.Open(id)
	if err != nil || s.st == nil || meta.Size != int64(len(lazyMarker)) {
		return meta, rc, err
	}
	head := make([]byte, len(lazyMarker))
	_, err = io.ReadFull(rc, head)
	rc.Close()
	if err != nil || string(head) != lazyMarker {
		// Not a marker after all: open it again, as it is.
		return s.FileSnapshotStore.Open(id)
	}
	// Raft sends the snapshot's size before its body, so the state goes to
	// a file first; it is removed once sent.
	if err := os.MkdirAll(s.tmp, 0o700); err != nil {
		return nil, nil, fmt.Errorf("open snapshot %s: %w", id, err)
	}
	f, err := os.CreateTemp(s.tmp, "state-*")
	if err != nil {
		return nil, nil, fmt.Errorf("open snapshot %s: %w", id, err)
	}
	os.Remove(f.Name()) // gone with the last close
	if err := s.st.WriteState(f); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open snapshot %s: %w", id, err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open snapshot %s: %w", id, err)
	}
	m := *meta
	m.Size = size
	return &m, readCloser{bufio.NewReaderSize(f, 1<<16), f}, nil
}

// Create implements raft.SnapshotStore: the file store syncs each file of a
// snapshot and the folder it renames the snapshot into, not the snapshot's
// own folder, so a power cut could keep the folder but drop the names of
// meta.json and state.bin in it — after Raft has cut its log on the
// strength of that snapshot, leaving the PC with neither (it came back
// "alone", outside its office: the soak, seed 301725905). The sink's Close
// syncs the snapshot's folder before Raft hears the snapshot is kept.
func (s *lazySnapshots) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	sink, err := s.FileSnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
	if err != nil {
		return nil, err
	}
	return syncedSink{sink, filepath.Join(s.path, sink.ID())}, nil
}

// syncedSink is a snapshot sink whose Close also syncs the folder the
// snapshot ends in.
type syncedSink struct {
	raft.SnapshotSink
	dir string
}

func (k syncedSink) Close() error {
	if err := k.SnapshotSink.Close(); err != nil {
		return err
	}
	return peer.SyncDir(k.dir)
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (c *Cluster) newSnapshots() (*lazySnapshots, error) {
	fs, err := raft.NewFileSnapshotStoreWithLogger(c.snapsPath(), 1, hclog.NewNullLogger())
	if err != nil {
		return nil, err
	}
	st, _ := c.cfg.Store.(stateStore)
	return &lazySnapshots{FileSnapshotStore: fs, st: st, tmp: filepath.Join(c.snapsPath(), "sending.tmp"), // Raft skips *.tmp
		path: filepath.Join(c.snapsPath(), "snapshots")}, nil
}
