// Package store keeps the commune's state in bbolt. Every change arrives as
// an app.Command; Apply folds it into the state deterministically, so nodes
// that applied the same commands, in any order, hold the same bytes.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// Config opens a store.
type Config struct {
	Dir         string        // data folder; the database is Dir/xaso.db
	OpenTimeout time.Duration // how long to wait for another process's lock (default 2 s)
	MaxBatch    int           // most commands in one group commit (default 2048)
	Logger      *slog.Logger
	// HubCopy: the store is the provincial hub's copy of a commune, which
	// keeps no index of commands to send up (store/uplink.go).
	HubCopy bool
	// Now is the clock of the write path: how long a receipt has waited
	// for the folder, how long the log's sync took (default time.Now).
	Now func() time.Time
}

// Store is the bbolt-backed state of one node.
type Store struct {
	db     *bolt.DB
	dir    string
	cond   condition // damaged, disk full (store/guard.go)
	log    *slog.Logger
	node   string
	reqs   chan *request
	quit   chan struct{}
	done   chan struct{}
	max    int
	closed atomic.Bool      // Close was called
	now    func() time.Time // Config.Now
	// published is the count of catalog and calendar commands folded
	// (store/published.go), kept in memory: the service reads it at every
	// receipt.
	published atomic.Uint64

	wal      *wal          // the write-ahead log of Appends (store/wal.go)
	lsn      uint64        // the last record's position; the writer's
	mu       sync.Mutex    // guards fs
	swap     sync.RWMutex  // held to read or write db; taken to replace the file (store/state.go)
	fs       foldState     // the folder's queue and progress (store/writer.go)
	foldDone chan struct{} // closed when the folder has stopped
	// reserveGone: the disk-full reserve is not in place (the folder's)
	reserveGone bool
	hubCopy     bool // Config.HubCopy
}

// request is one caller's commands waiting for the next group commit.
type request struct {
	cmds     []app.Command
	bodies   []app.Body // decoded once; nil for kinds from a newer version
	entities []string   // bodies[i].Entity(), worked out once ("" for a nil body)
	stored   [][]byte   // the commands' stored form, packed by the caller, not the single writer
	local    bool
	lsn      uint64 // its record in the write-ahead log; 0 for an Apply
	setup    bool   // it changes users, slots or the commune (or a kind from a newer version)
	done     chan error
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store closed")

// Open opens (or creates) the store in cfg.Dir. It fails with the domain
// error EDataDirLocked when another xaso holds the folder.
func Open(cfg Config) (*Store, error) {
	if cfg.OpenTimeout == 0 {
		cfg.OpenTimeout = 2 * time.Second
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = 2048
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	_, dirErr := os.Stat(cfg.Dir)
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", cfg.Dir, err)
	}
	path := filepath.Join(cfg.Dir, "xaso.db")
	os.Remove(path + ".install") // a state snapshot a crash cut short (store/state.go)
	fi, statErr := os.Stat(path)
	existed := statErr == nil
	if existed && fi.Size() == 0 {
		return nil, emptyFileError(path)
	}
	db, err := openBolt(path, cfg.OpenTimeout, false)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, lockedError(cfg.Dir, err)
	}
	if err != nil {
		if existed {
			return nil, unreadableError(path, err)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, dir: cfg.Dir, log: cfg.Logger, reqs: make(chan *request, 256), quit: make(chan struct{}),
		done: make(chan struct{}), max: cfg.MaxBatch, hubCopy: cfg.HubCopy, now: cfg.Now}
	if existed {
		// What can be checked quickly: the buckets' root pages, the last
		// commands, a damage found while running. A damaged file opens
		// read-only in effect (store/guard.go).
		if why := recordedDamage(cfg.Dir); why != "" {
			s.cond.damaged.Store(&why)
		} else if err := s.verify(); err != nil {
			s.markDamaged(err.Error())
		}
	}
	if err := s.init(); err != nil && s.Damage() == "" {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if s.Damage() != "" {
		s.node = s.storedNodeID()
	}
	s.loadPublished()
	if err := s.recoverWAL(); err != nil { // store/writer.go
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// The names made here (the folder, xaso.db, wal/) are durable only once
	// their folders are synced: a power cut could otherwise take the whole
	// file with everything acknowledged in it (store/powercut).
	if dirErr != nil {
		if err := syncDir(filepath.Dir(filepath.Clean(cfg.Dir))); err != nil {
			s.log.Warn("sync the folder of the data folder", "err", err)
		}
	}
	if err := syncDir(cfg.Dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: sync the data folder: %w", path, err)
	}
	s.fs.wake, s.fs.kick, s.foldDone = make(chan struct{}), make(chan struct{}, 1), make(chan struct{})
	go s.run()
	go s.foldLoop()
	go func() {
		<-s.foldDone
		close(s.done)
	}()
	return s, nil
}

// init creates the buckets and the node's identity on a new database.
func (s *Store) init() error {
	return s.update(func(tx *bolt.Tx) error {
		for _, b := range append(append([][]byte{}, replicated...), local...) {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("bucket %s: %w", b, err)
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kSchema); v != nil && binary.BigEndian.Uint64(v) > schemaVersion {
			return fmt.Errorf("data written by a newer xaso (schema %d)", binary.BigEndian.Uint64(v))
		}
		if err := backfillClosed(tx); err != nil { // store/report.go
			return err
		}
		if err := s.initUnsent(tx); err != nil { // store/uplink.go
			return fmt.Errorf("the uplink's index: %w", err)
		}
		if err := reapplyUnknown(tx); err != nil {
			return fmt.Errorf("apply commands known since the upgrade: %w", err)
		}
		if err := meta.Put(kSchema, u64(schemaVersion)); err != nil {
			return err
		}
		if id := meta.Get(kNodeID); id != nil {
			s.node = string(id)
			return nil
		}
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		s.node = "n" + hex.EncodeToString(b[:])
		return meta.Put(kNodeID, []byte(s.node))
	})
}

// Close stops the writer after it has committed what it was given, then
// closes the database.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(s.quit)
	<-s.done
	s.mu.Lock()
	all := s.fs.err == nil && s.fs.folded == s.fs.written && s.Damage() == ""
	s.mu.Unlock()
	werr := s.wal.close(all)
	if err := s.db.Close(); err != nil {
		return err
	}
	return werr
}

// NodeID is this PC's stable identity, made once when the store was created.
func (s *Store) NodeID() string { return s.node }

// DB exposes the database to packages that keep their own buckets in it
// (the Raft log stores keep their own files; this is for backups and tests).
func (s *Store) DB() *bolt.DB { return s.db }

// MaxHLC is the largest command time applied; a restarted node's clock
// starts above it.
func (s *Store) MaxHLC() (app.HLC, error) {
	var h app.HLC
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kHLC); v != nil {
			h = app.HLC(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return h, err
}

// Append applies commands made on this node and remembers them as not yet
// replicated. It returns when they are durable (fsync), batched with every
// other caller's commands in one commit.
func (s *Store) Append(ctx context.Context, cmds ...app.Command) error {
	return s.submit(ctx, cmds, true)
}

// Apply applies commands that came from peers or the province. Applying a
// command already applied changes nothing; a command that is now known to
// be replicated is no longer pending.
func (s *Store) Apply(ctx context.Context, cmds ...app.Command) error {
	return s.submit(ctx, cmds, false)
}

func (s *Store) submit(ctx context.Context, cmds []app.Command, local bool) error {
	if why := s.Damage(); why != "" {
		return damagedError(s.dir, errors.New(why))
	}
	bodies, stored := make([]app.Body, len(cmds)), make([][]byte, len(cmds))
	for i, c := range cmds {
		if err := c.Check(); err != nil {
			return fmt.Errorf("apply: %w", err)
		}
		b, err := c.Decode()
		if err != nil && !errors.Is(err, app.ErrUnknownKind) {
			return fmt.Errorf("apply: %w", err)
		}
		bodies[i] = b
		if stored[i], err = packCommand(c); err != nil {
			return err
		}
	}
	r := &request{cmds: cmds, bodies: bodies, stored: stored, local: local, done: make(chan error, 1),
		entities: make([]string, len(cmds))}
	for i, c := range cmds {
		if bodies[i] != nil {
			r.entities[i] = bodies[i].Entity()
		}
		k, _ := app.LookupKind(c.Kind)
		if bodies[i] == nil || (k.Target != app.TargetDossier && k.Target != app.TargetAudit) {
			r.setup = true
		}
	}
	select {
	case s.reqs <- r:
	case <-s.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the commit happens whatever the caller does; wait for it
	// so that an acknowledgement always means durable. A request that
	// slipped into the queue after the writer's last drain is never
	// answered: the store closed under it.
	select {
	case err := <-r.done:
		return err
	case <-s.done:
		select {
		case err := <-r.done:
			return err
		default:
			return ErrClosed
		}
	}
}

func (s *Store) applyAll(tx *bolt.Tx, r *request) error {
	meta := tx.Bucket(bMeta)
	var top app.HLC
	if v := meta.Get(kHLC); v != nil {
		top = app.HLC(binary.BigEndian.Uint64(v))
	}
	pending := int64(0)
	for i, c := range r.cmds {
		applied, err := applyCommand(tx, c, r.bodies[i], r.stored[i])
		if err != nil {
			return err
		}
		if c.At > top {
			top = c.At
		}
		switch {
		case applied && r.local:
			if err := markPending(tx, c, r.entities[i]); err != nil {
				return err
			}
			pending++
		case !r.local:
			n, err := clearPending(tx, c.ID)
			if err != nil {
				return err
			}
			pending -= n
		}
	}
	if pending != 0 {
		cur := int64(0)
		if v := meta.Get(kPending); v != nil {
			cur = int64(binary.BigEndian.Uint64(v))
		}
		if err := meta.Put(kPending, u64(uint64(max(cur+pending, 0)))); err != nil {
			return err
		}
	}
	return meta.Put(kHLC, u64(uint64(top)))
}

// StateHash is a digest of the replicated state: equal on nodes that
// applied the same commands.
func (s *Store) StateHash() (string, error) {
	h := sha256.New()
	err := s.view(func(tx *bolt.Tx) error {
		for _, name := range replicated {
			h.Write(name)
			h.Write([]byte{0})
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				if officeOnly(name, k) {
					return nil
				}
				v, err := unpack(v)
				if err != nil {
					return fmt.Errorf("state hash %s/%s: %w", name, k, err)
				}
				var n [8]byte
				binary.BigEndian.PutUint64(n[:], uint64(len(k)))
				h.Write(n[:])
				h.Write(k)
				binary.BigEndian.PutUint64(n[:], uint64(len(v)))
				h.Write(n[:])
				h.Write(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// denser raises the split threshold of the append-mostly buckets for tx.
func denser(tx *bolt.Tx) {
	for _, name := range dense {
		if b := tx.Bucket(name); b != nil {
			b.FillPercent = 0.95
		}
	}
}
