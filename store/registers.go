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

// foldEntry folds a command on an entry, keeps the normalised copy that
// search reads and the index of changes the export reads, and raises its
// book's counter of the slot the number came from, so a restarted PC goes
// on above it. Entries are stored packed: a commune keeps a century of them.
func foldEntry(tx *bolt.Tx, id, entity string, c app.Command, body app.Body, last bool) error {
	reg, n, err := parseEntryID(id)
	if err != nil {
		return err
	}
	key := entryKey(reg, n)
	var prev app.Entry
	if _, err := getJSON(tx, bEntries, key, &prev); err != nil {
		return err
	}
	e, err := fold[app.Entry](tx, prev, entity, c, body, last)
	if err != nil {
		return err
	}
	raw, err := marshalPacked(e)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bEntries).Put(key, raw); err != nil {
		return err
	}
	if err := keepEntryRows(tx, key, prev, e); err != nil {
		return err
	}
	b, ok := body.(*app.EntryBody)
	if !ok {
		return nil
	}
	seq := tx.Bucket(bRegSeq)
	sk := regSeqKey(reg, b.Slot)
	if v := seq.Get(sk); v != nil && int(be32(v)) >= b.Number {
		return nil
	}
	return seq.Put(sk, u32(uint32(b.Number)))
}

// changeKey is an entry's row in bIdxEntryChange: its latest change, then its key.
func changeKey(last app.HLC, key []byte) []byte { return append(u64(uint64(last)), key...) }

// keepEntryRows keeps the rows of a registered entry (a draft of an old book
// has none): its normalised text and its latest change.
func keepEntryRows(tx *bolt.Tx, key []byte, prev, e app.Entry) error {
	ch := tx.Bucket(bIdxEntryChange)
	if prev.ID != "" {
		if err := ch.Delete(changeKey(prev.LastAt, key)); err != nil {
			return err
		}
	}
	if e.ID == "" {
		return nil
	}
	if err := ch.Put(changeKey(e.LastAt, key), nil); err != nil {
		return err
	}
	return tx.Bucket(bEntryText).Put(key, []byte(app.EntrySearchText(e)))
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

// BookEntryCount counts the registered entries of a book (an old book's
// entries count once verified: only they have a normalised copy).
func (s *Store) BookEntryCount(id string) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		prefix := append([]byte(id), 0)
		cur := tx.Bucket(bEntryText).Cursor()
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

// EntryState returns the state of entry n of a register as folded, a draft
// of an old book included; ok is false when no command named it.
func (s *Store) EntryState(register string, n int) (app.Entry, bool, error) {
	var e app.Entry
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx, bEntries, entryKey(register, n), &e)
		return err
	})
	return e, ok, err
}

// EntryStates calls fn with the state of every entry of a register, drafts
// of an old book included, in number order.
func (s *Store) EntryStates(register string, fn func(app.Entry) error) error {
	return s.view(func(tx *bolt.Tx) error {
		prefix := append([]byte(register), 0)
		cur := tx.Bucket(bEntries).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			var e app.Entry
			if err := unmarshalPacked(v, &e); err != nil {
				return fmt.Errorf("decode entry %q: %w", k, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// SearchEntries calls fn with each registered entry of every register whose
// normalised text (app.EntrySearchText) holds key, in register and number
// order, until fn returns false. The scan reads the small normalised copies
// and decodes only the entries that match.
func (s *Store) SearchEntries(key string, fn func(app.Entry) bool) error {
	k := []byte(key)
	return s.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bEntries)
		cur := tx.Bucket(bEntryText).Cursor()
		for ek, text := cur.First(); ek != nil; ek, text = cur.Next() {
			if !bytes.Contains(text, k) {
				continue
			}
			var e app.Entry
			if err := unmarshalPacked(entries.Get(ek), &e); err != nil {
				return fmt.Errorf("decode entry %q: %w", ek, err)
			}
			if !fn(e) {
				return nil
			}
		}
		return nil
	})
}

// EntriesChanged calls fn with each registered entry whose latest change is
// after the given time, in the order of their latest change, until fn
// returns false.
func (s *Store) EntriesChanged(after app.HLC, fn func(app.Entry) bool) error {
	return s.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bEntries)
		cur := tx.Bucket(bIdxEntryChange).Cursor()
		for k, _ := cur.Seek(u64(uint64(after) + 1)); k != nil; k, _ = cur.Next() {
			var e app.Entry
			if err := unmarshalPacked(entries.Get(k[8:]), &e); err != nil {
				return fmt.Errorf("decode entry %q: %w", k[8:], err)
			}
			if !fn(e) {
				return nil
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
