package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A state snapshot carries the replicated buckets as they are stored, for a
// PC that missed many commands: installing it is a bulk copy of sorted keys
// instead of folding every command again (the cluster's catch-up), and it
// carries nothing that belongs to the sender alone (sessions, pending).
//
//	StateMagic, the sender's clock (meta/hlc, 8 bytes), then per bucket:
//	len(name) name, then pairs len(k) k len(v) v, a zero length ending the
//	bucket; a zero-length name ends the stream. Lengths are uvarints; a
//	bbolt key is never empty.
const StateMagic = "xaso-state-1\n"

const installBatch = 50_000 // pairs per transaction while installing

// WriteState writes a state snapshot of one consistent read transaction.
func (s *Store) WriteState(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n [binary.MaxVarintLen64]byte
	put := func(b []byte) {
		bw.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		bw.Write(b)
	}
	err := s.view(func(tx *bolt.Tx) error {
		bw.WriteString(StateMagic)
		hlc := tx.Bucket(bMeta).Get(kHLC)
		if hlc == nil {
			hlc = u64(0)
		}
		bw.Write(hlc)
		for _, name := range replicated {
			put(name)
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				put(k)
				put(v)
				return nil
			}); err != nil {
				return err
			}
			bw.WriteByte(0)
		}
		bw.WriteByte(0)
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("write state snapshot: %w", err)
	}
	return nil
}

func (s *Store) installPath() string { return filepath.Join(s.dir, "xaso.db.install") }

// InstallState replaces the replicated state with a peer's state snapshot
// (r starts after StateMagic). What belongs to this PC alone is kept, and
// so is every command it holds that the snapshot lacks (its own, not yet
// replicated, or any other): they are applied on top. The new file is
// built beside the old one and put in its place with a rename, so a crash
// leaves one or the other.
func (s *Store) InstallState(r io.Reader) error {
	if why := s.Damage(); why != "" {
		return damagedError(s.dir, errors.New(why))
	}
	start := s.now()
	tmp := s.installPath()
	os.Remove(tmp)
	nb, err := openBolt(tmp, time.Second, false)
	if err != nil {
		return fmt.Errorf("install state: %w", err)
	}
	defer os.Remove(tmp)
	hlc, pairs, err := loadState(nb, bufio.NewReaderSize(r, 1<<16))
	if err != nil {
		nb.Close()
		return fmt.Errorf("install state: %w", err)
	}
	s.caughtUp(false) // every acknowledged Append is in the old file
	s.swap.Lock()
	defer s.swap.Unlock()
	kept, err := s.keepLocal(nb, hlc)
	if cerr := nb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("install state: %w", err)
	}
	path := filepath.Join(s.dir, "xaso.db")
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("install state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		s.db, _ = openBolt(path, time.Second, false)
		return fmt.Errorf("install state: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		s.log.Warn("install state: sync the data folder", "err", err)
	}
	if s.db, err = openBolt(path, time.Second, false); err != nil {
		s.markDamaged("reopen after installing a state snapshot: " + err.Error())
		return fmt.Errorf("install state: %w", err)
	}
	s.loadPublished()
	s.log.Info("state snapshot installed", "pairs", pairs, "own_commands_kept", kept, "took", s.now().Sub(start).Round(time.Millisecond))
	return nil
}

// loadState writes the stream's buckets into nb.
func loadState(nb *bolt.DB, r *bufio.Reader) (hlc uint64, pairs int, err error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, 0, err
	}
	hlc = binary.BigEndian.Uint64(h[:])
	next := func() ([]byte, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n == 0 {
			return nil, err
		}
		if n > 64<<20 {
			return nil, fmt.Errorf("a value of %d bytes", n)
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return b, err
	}
	for {
		name, err := next()
		if err != nil {
			return 0, pairs, err
		}
		if name == nil {
			return hlc, pairs, nil
		}
		if !slices.ContainsFunc(replicated, func(b []byte) bool { return bytes.Equal(b, name) }) {
			return 0, pairs, fmt.Errorf("unknown bucket %q (a newer version's snapshot?)", name)
		}
		for done := false; !done; {
			err := nb.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists(name)
				if err != nil {
					return err
				}
				b.FillPercent = 1 // keys come sorted
				for i := 0; i < installBatch; i++ {
					k, err := next()
					if err != nil {
						return err
					}
					if k == nil {
						done = true
						return nil
					}
					v, err := next()
					if err != nil {
						return err
					}
					if v == nil {
						v = []byte{}
					}
					if err := b.Put(k, v); err != nil {
						return err
					}
					pairs++
				}
				return nil
			})
			if err != nil {
				return 0, pairs, err
			}
		}
	}
}

// keepLocal copies into nb what belongs to this PC alone, drops the pending
// marks of commands the snapshot holds (they are replicated), and applies
// the commands of the old file the snapshot lacks. s.swap is held.
func (s *Store) keepLocal(nb *bolt.DB, hlc uint64) (kept int, err error) {
	err = s.db.View(func(old *bolt.Tx) error {
		return nb.Update(func(tx *bolt.Tx) error {
			for _, name := range append(append([][]byte{}, replicated...), local...) {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			cmds := tx.Bucket(bCmds)
			for _, name := range local {
				dst := tx.Bucket(name)
				if err := old.Bucket(name).ForEach(func(k, v []byte) error {
					return dst.Put(k, v)
				}); err != nil {
					return err
				}
			}
			// Commands only the old file holds, applied on top.
			onlyOld := map[string]bool{}
			c := old.Bucket(bCmds).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if cmds.Get(k) != nil {
					continue
				}
				onlyOld[string(k)] = true
				cmd, _, err := storedCommand(old, k)
				if err != nil {
					return err
				}
				body, _ := cmd.Decode() // nil for a kind from a newer version: kept as unknown
				if _, err := applyCommand(tx, cmd, body, append([]byte(nil), v...)); err != nil {
					return err
				}
				kept++
			}
			// Pending marks of commands now replicated go.
			var done [][]byte
			pending := tx.Bucket(bPending)
			if err := pending.ForEach(func(k, _ []byte) error {
				if !onlyOld[string(k)] {
					done = append(done, append([]byte(nil), k...))
				}
				return nil
			}); err != nil {
				return err
			}
			for _, id := range done {
				if _, err := clearPending(tx, string(id)); err != nil {
					return err
				}
			}
			if !s.hubCopy { // derived from the commands, not copied (store/uplink.go)
				if err := rebuildUnsent(tx, nil); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bMeta)
			n := 0
			pending.ForEach(func(_, _ []byte) error { n++; return nil })
			if err := meta.Put(kPending, u64(uint64(n))); err != nil {
				return err
			}
			if v := meta.Get(kHLC); v == nil || be64(v) < hlc {
				return meta.Put(kHLC, u64(hlc))
			}
			return nil
		})
	})
	return kept, err
}
