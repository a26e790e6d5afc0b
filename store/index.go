package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// entityPrefix is the key prefix of an entity's commands in bEntityCmds.
func entityPrefix(entity string) []byte { return append([]byte(entity), 0) }

// entityCmdKey sorts an entity's commands by (At, Node, ID).
func entityCmdKey(entity string, c app.Command) []byte {
	k := entityPrefix(entity)
	k = binary.BigEndian.AppendUint64(k, uint64(c.At))
	k = append(k, c.Node...)
	k = append(k, 0)
	return append(k, c.ID...)
}

func ms(t time.Time) uint64 { return uint64(t.UnixMilli()) }

// msKey is t in milliseconds, big-endian: index keys sort by time.
func msKey(t time.Time) []byte { return u64(ms(t)) }

// idOf returns the dossier ID at the end of an index key (after the last \x00).
func idOf(k []byte) string { return string(k[bytes.LastIndexByte(k, 0)+1:]) }

type indexEntry struct {
	bucket []byte
	key    string
	val    string
}

// indexEntries lists every index row of a dossier's state.
func indexEntries(d *app.Dossier) []indexEntry {
	if d.ID == "" {
		return nil
	}
	id := d.ID
	recv, due := msKey(d.ReceivedAt), msKey(d.DueAt)
	es := []indexEntry{
		{bCodeClaims, d.Code + "\x00" + id, ""},
		{bIdxRecv, string(recv) + "\x00" + id, ""},
		{bIdxStatus, string(d.Status) + "\x00" + string(recv) + "\x00" + id, ""},
	}
	if d.Status.Terminal() {
		es = append(es, indexEntry{bIdxClosed, string(msKey(d.ClosedAt)) + "\x00" + id, string(recv)})
	} else {
		es = append(es, indexEntry{bIdxOpenDue, string(due) + "\x00" + id, string(d.Status)})
		if d.Holder != "" {
			es = append(es, indexEntry{bIdxHolder, d.Holder + "\x00" + string(due) + "\x00" + id, ""})
		}
	}
	for _, a := range d.Attachments {
		es = append(es, indexEntry{bIdxBlobs, a.SHA256 + "\x00" + id, ""})
	}
	for _, k := range app.NameKeys(d.Applicant.FullName) {
		es = append(es, indexEntry{bIdxName, k + "\x00" + id, ""})
	}
	if d.Applicant.IDNumber != "" {
		es = append(es, indexEntry{bIdxNum, d.Applicant.IDNumber + "\x00" + id, ""})
	}
	if d.Applicant.Phone != "" {
		es = append(es, indexEntry{bIdxNum, d.Applicant.Phone + "\x00" + id, ""})
	}
	return es
}

// Two clusters set up apart can issue one code twice (each leased the same
// number slot). Both dossiers keep it and are marked; the code resolves to
// the least dossier ID among its claimants, whatever order they arrive in,
// until an official gives the other one a new code.
func claimCode(tx *bolt.Tx, code, id string) error {
	b := tx.Bucket(bIdxCode)
	if cur := b.Get([]byte(code)); cur != nil && string(cur) <= id {
		return nil
	}
	return b.Put([]byte(code), []byte(id))
}

// releaseCode hands a code to its next claimant when its owner leaves it.
func releaseCode(tx *bolt.Tx, code, id string) error {
	b := tx.Bucket(bIdxCode)
	if string(b.Get([]byte(code))) != id {
		return nil
	}
	prefix := append([]byte(code), 0)
	c := tx.Bucket(bCodeClaims).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if other := idOf(k); other != id {
			return b.Put([]byte(code), []byte(other)) // claims sort by ID: the first is the least
		}
	}
	return b.Delete([]byte(code))
}

// reindex replaces the index rows of old by those of d.
func reindex(tx *bolt.Tx, id string, old, d *app.Dossier) error {
	if old.ID != "" && old.Code != d.Code { // its claim row goes with the other old rows below
		if err := releaseCode(tx, old.Code, id); err != nil {
			return err
		}
	}
	if d.ID != "" {
		if err := claimCode(tx, d.Code, id); err != nil {
			return err
		}
	}
	// Rows in both states stay as they are: a Put of the same bytes still
	// dirties its page, and most actions change a few rows of many.
	next, prev := indexEntries(d), indexEntries(old)
	row := func(e indexEntry) string { return string(e.bucket) + "/" + e.key + "=" + e.val }
	keep := make(map[string]bool, len(next))
	for _, e := range next {
		keep[row(e)] = true
	}
	had := make(map[string]bool, len(prev))
	for _, e := range prev {
		had[row(e)] = true
		if keep[row(e)] {
			continue
		}
		if err := tx.Bucket(e.bucket).Delete([]byte(e.key)); err != nil {
			return err
		}
	}
	for _, e := range next {
		if had[row(e)] {
			continue
		}
		var v []byte
		if e.val != "" {
			v = []byte(e.val)
		}
		if err := tx.Bucket(e.bucket).Put([]byte(e.key), v); err != nil {
			return err
		}
	}
	return nil
}

// recount moves the dossier's counters from its old state to its new one.
func recount(tx *bolt.Tx, old, d *app.Dossier) error {
	b := tx.Bucket(bCounts)
	add := func(key string, delta int64) error {
		var n int64
		if v := b.Get([]byte(key)); v != nil {
			n = int64(binary.BigEndian.Uint64(v))
		}
		if n+delta == 0 {
			return b.Delete([]byte(key)) // absent and zero must be the same bytes on every node
		}
		return b.Put([]byte(key), u64(uint64(n+delta)))
	}
	keys := func(x *app.Dossier) []string {
		if x.ID == "" {
			return nil
		}
		ks := []string{"status/" + string(x.Status)}
		if t, ok := x.ResultTiming(); ok {
			ks = append(ks, "timing/"+string(t))
		}
		return ks
	}
	was, now := keys(old), keys(d)
	for _, k := range was {
		if !slices.Contains(now, k) {
			if err := add(k, -1); err != nil {
				return err
			}
		}
	}
	for _, k := range now {
		if !slices.Contains(was, k) {
			if err := add(k, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

func u32(v uint32) []byte  { return binary.BigEndian.AppendUint32(nil, v) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
