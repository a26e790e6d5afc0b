package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// This file is the store's part of `xaso doctor` (store/doctor/): a full
// check of a stopped node's data file, and a rebuild of its state from its
// command log. The state is a fold of the commands (store/apply.go), so a
// file whose command log reads back whole can be made again from it alone;
// the damaged file is kept aside, never deleted.

// Checkup is what Check found.
type Checkup struct {
	Path     string
	Problems []string // what is wrong, for the operator (English; the CLI words them)
	Commands int      // commands in the log that decoded
	LogOK    bool     // every command of the log reads back: Rebuild can fold them
	Cleared  string   // a damage noted while running that the check no longer finds (its note is removed)
}

// OK reports a file with nothing wrong.
func (c *Checkup) OK() bool { return len(c.Problems) == 0 && c.LogOK }

// maxProblems bounds what a check lists: a badly damaged file has thousands.
const maxProblems = 20

// Check reads the whole data file of dir: every key of every bucket, every
// command of the log decoded, then bbolt's own consistency check (tx.Check:
// every page reachable once, the free list). xaso must be stopped.
func Check(dir string) (*Checkup, error) {
	path := filepath.Join(dir, "xaso.db")
	c := &Checkup{Path: path}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &app.Error{Code: app.ENotFound, Field: "data", Err: err,
			Message: "Không có tệp dữ liệu " + path + ": hãy kiểm tra thư mục dữ liệu (--data).",
			English: "no data file " + path + ": check the data folder (--data)"}
	}
	if fi.Size() == 0 {
		c.Problems = append(c.Problems, "the file is empty (0 bytes)")
		return c, nil
	}
	db, err := openBolt(path, time.Second, false)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, lockedError(dir, err)
	}
	if err != nil {
		c.Problems = append(c.Problems, "bbolt cannot open the file (meta pages damaged or file cut short): "+err.Error())
		return c, nil
	}
	defer db.Close()
	s := &Store{db: db, dir: dir, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// The log first: it decides whether a rebuild can work.
	c.Commands, err = s.readLog(func(app.Command, []byte) error { return nil })
	c.LogOK = err == nil
	if err != nil {
		c.Problems = append(c.Problems, "the command log does not read back whole: "+err.Error())
	}
	for _, name := range append(append([][]byte{}, replicated...), local...) {
		err := s.view(func(tx *bolt.Tx) error {
			b := tx.Bucket(name)
			if b == nil {
				return fmt.Errorf("missing")
			}
			return b.ForEach(func(k, v []byte) error { return nil })
		})
		if err != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("bucket %s: %v", name, err))
		}
	}
	if len(c.Problems) > 0 {
		// tx.Check reads pages in a goroutine of its own, where a fault
		// cannot be caught: run it on files whose pages all read back.
		return c, nil
	}
	_ = s.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if len(c.Problems) < maxProblems {
				c.Problems = append(c.Problems, "bbolt check: "+err.Error())
			}
		}
		return nil
	})
	if c.OK() {
		// A damage noted while running that the whole file does not show
		// (a read error of the disk that went away): the file is sound.
		c.Cleared = recordedDamage(dir)
		if err := os.Remove(damageNote(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return c, nil
}

// readLog calls fn with every command of the log and its stored form, in ID
// order, and counts them. Any command that does not read back is an error.
func (s *Store) readLog(fn func(app.Command, []byte) error) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCmds)
		if b == nil {
			return errors.New("no command log in the file")
		}
		return b.ForEach(func(k, v []byte) error {
			c, _, err := storedCommand(tx, k)
			if err != nil {
				return err
			}
			if c.ID != string(k) {
				return fmt.Errorf("command stored under %q says it is %q", k, c.ID)
			}
			n++
			return fn(c, v)
		})
	})
	return n, err
}

// Rebuilt is what Rebuild did.
type Rebuilt struct {
	Commands  int
	StateHash string
	Aside     string   // where the damaged file now is
	Notes     []string // local data that could not be carried over
}

// Rebuild folds the command log of dir's data file into a fresh file, carries
// over what belongs to this PC alone (its identity, its clock, the commands
// not yet sent to peers, the sign-ins), then puts the fresh file in place and
// the old one aside as xaso.db.damaged-YYYYMMDD-HHMMSS. It refuses when the
// log does not read back whole: then rebuild from a peer or a backup.
func Rebuild(dir string, now time.Time) (*Rebuilt, error) {
	path := filepath.Join(dir, "xaso.db")
	old, err := openBolt(path, time.Second, false)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, lockedError(dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer old.Close()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	src := &Store{db: old, dir: dir, log: discard}
	tmp := path + ".rebuild"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	fresh, err := openBolt(tmp, time.Second, false)
	if err != nil {
		return nil, err
	}
	dst := &Store{db: fresh, dir: dir, log: discard}
	out, err := rebuildInto(src, dst)
	if cerr := fresh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	out.Aside = fmt.Sprintf("%s.damaged-%s", path, now.Format("20060102-150405"))
	if err := old.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(path, out.Aside); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := os.Rename(damageNote(dir), out.Aside+".txt"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return out, syncDir(dir)
}

func rebuildInto(src, dst *Store) (*Rebuilt, error) {
	out := &Rebuilt{}
	// What is this PC's own, first: init then keeps its identity.
	for _, name := range local {
		var pairs [][2][]byte
		err := src.view(func(tx *bolt.Tx) error {
			b := tx.Bucket(name)
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				if !bytes.Equal(name, bMeta) || !bytes.Equal(k, kPending) {
					pairs = append(pairs, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
				}
				return nil
			})
		})
		if err != nil {
			out.Notes = append(out.Notes, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		err = dst.db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			for _, p := range pairs {
				if err := b.Put(p[0], p[1]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := dst.init(); err != nil {
		return nil, err
	}
	lostPending := false
	for _, n := range out.Notes {
		lostPending = lostPending || bytes.HasPrefix([]byte(n), bPending)
	}
	// Then the log, folded in batches.
	const batch = 1000
	var cmds []app.Command
	var stored [][]byte
	flush := func() error {
		if len(cmds) == 0 {
			return nil
		}
		err := dst.db.Update(func(tx *bolt.Tx) error {
			denser(tx)
			meta := tx.Bucket(bMeta)
			var top app.HLC
			if v := meta.Get(kHLC); v != nil {
				top = app.HLC(binary.BigEndian.Uint64(v))
			}
			for i, c := range cmds {
				body, err := c.Decode()
				if err != nil && !errors.Is(err, app.ErrUnknownKind) {
					return fmt.Errorf("command %s: %w", c.ID, err)
				}
				if _, err := applyCommand(tx, c, body, stored[i]); err != nil {
					return err
				}
				top = max(top, c.At)
				if lostPending && c.Node == dst.node {
					// Which were sent is lost: send them all again (peers
					// ignore a command they hold).
					entity := ""
					if body != nil {
						entity = body.Entity()
					}
					if err := markPending(tx, c, entity); err != nil {
						return err
					}
				}
			}
			return meta.Put(kHLC, u64(uint64(top)))
		})
		cmds, stored = cmds[:0], stored[:0]
		return err
	}
	n, err := src.readLog(func(c app.Command, v []byte) error {
		cmds, stored = append(cmds, c), append(stored, bytes.Clone(v))
		if len(cmds) >= batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the command log does not read back whole: %w", ErrDamaged, err)
	}
	out.Commands = n
	if lostPending {
		out.Notes = append(out.Notes, "every command made on this PC will be sent to the peers again")
	}
	err = dst.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(kPending, u64(uint64(tx.Bucket(bPending).Stats().KeyN)))
	})
	if err != nil {
		return nil, err
	}
	out.StateHash, err = dst.StateHash()
	return out, err
}
