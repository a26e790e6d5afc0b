package store

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// Civil-status registers: books and their entries (app/registers.go,
// app/entries.go). Their buckets are declared in buckets.go: bRegisters,
// bEntries, bRegSeq.

// entryKey is an entry's key in bEntries: register \x00 number(4), so a
// book's entries are read in number order.
func entryKey(register string, n int) []byte {
	return u32append(append([]byte(register), 0), uint32(n))
}

func u32append(b []byte, v uint32) []byte { return append(b, u32(v)...) }

// regSeqKey is a book's counter of a slot in bRegSeq: register \x00 slot(1).
func regSeqKey(register string, slot int) []byte {
	return append(append([]byte(register), 0), byte(slot))
}

// parseEntryID splits an entry's entity ID "<register>/<number>".
func parseEntryID(id string) (string, int, error) {
	reg, num, ok := strings.Cut(id, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 {
		return "", 0, fmt.Errorf("bad entry %q", id)
	}
	return reg, n, nil
}

// foldEntry folds a command on an entry and raises its book's counter of
// the slot the number came from, so a restarted PC goes on above it.
func foldEntry(tx *bolt.Tx, id, entity string, c app.Command, body app.Body, last bool) error {
	reg, n, err := parseEntryID(id)
	if err != nil {
		return err
	}
	if err := foldSimple[app.Entry](tx, bEntries, entryKey(reg, n), entity, c, body, last); err != nil {
		return err
	}
	b, ok := body.(*app.EntryBody)
	if !ok {
		return nil
	}
	seq := tx.Bucket(bRegSeq)
	key := regSeqKey(reg, b.Slot)
	if v := seq.Get(key); v != nil && int(be32(v)) >= b.Number {
		return nil
	}
	return seq.Put(key, u32(uint32(b.Number)))
}

// Book returns a register book; ok is false when it was never opened.
func (s *Store) Book(id string) (app.Book, bool, error) {
	var b app.Book
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx, bRegisters, []byte(id), &b)
		ok = ok && b.ID != ""
		return err
	})
	return b, ok, err
}

// Books lists every register book, by ID.
func (s *Store) Books() ([]app.Book, error) {
	var bs []app.Book
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bRegisters).ForEach(func(k, v []byte) error {
			var b app.Book
			if err := unmarshalPacked(v, &b); err != nil {
				return fmt.Errorf("decode register %s: %w", k, err)
			}
			bs = append(bs, b)
			return nil
		})
	})
	return bs, err
}

// BookEntryCount counts the entries of a book.
func (s *Store) BookEntryCount(id string) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		prefix := append([]byte(id), 0)
		cur := tx.Bucket(bEntries).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// Entry returns entry n of a register.
func (s *Store) Entry(register string, n int) (app.Entry, error) {
	var e app.Entry
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx, bEntries, entryKey(register, n), &e)
		if err == nil && (!ok || e.ID == "") {
			err = notFound("số đăng ký "+strconv.Itoa(n)+" trong sổ "+register, "register entry")
		}
		return err
	})
	return e, err
}

// Entries calls fn with each entry of a register, in number order.
func (s *Store) Entries(register string, fn func(app.Entry) error) error {
	return s.view(func(tx *bolt.Tx) error {
		prefix := append([]byte(register), 0)
		cur := tx.Bucket(bEntries).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			var e app.Entry
			if err := unmarshalPacked(v, &e); err != nil {
				return fmt.Errorf("decode entry %q: %w", k, err)
			}
			if e.ID == "" {
				continue // only later commands arrived so far
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// MaxEntry is the largest entry number applied in a register from a slot's block.
func (s *Store) MaxEntry(register string, slot int) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bRegSeq).Get(regSeqKey(register, slot)); v != nil {
			n = int(be32(v))
		}
		return nil
	})
	return n, err
}
