package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// DossiersForPeriod calls fn once with every dossier a report on [from, to)
// may count and received before to: those still open now (idx_open_due:
// received in the period or carried over into it, whatever their age) and
// those closed at or after from (idx_closed: received in the period, carried
// over into it, or returned in it). A dossier received in the period is one
// of the two, as it is closed after it was received. A dossier closed before
// from is never read, nor one closed and received after to, so a report
// costs what its period holds, not what the commune ever held. fn runs
// inside a read transaction: it must not write to the store.
func (s *Store) DossiersForPeriod(from, to time.Time, fn func(app.Dossier) error) error {
	if !from.Before(to) {
		return nil
	}
	return s.view(func(tx *bolt.Tx) error {
		dossiers := tx.Bucket(bDossiers)
		seen := make(map[string]bool)
		visit := func(id string) error {
			if seen[id] {
				return nil
			}
			seen[id] = true
			raw := dossiers.Get([]byte(id))
			if raw == nil {
				return fmt.Errorf("report: dossier %s indexed but missing", id)
			}
			var d app.Dossier
			if err := unmarshalPacked(raw, &d); err != nil {
				return fmt.Errorf("report: decode dossier %s: %w", id, err)
			}
			if !d.ReceivedAt.Before(to) {
				return nil
			}
			return fn(d)
		}
		c := tx.Bucket(bIdxOpenDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if err := visit(idOf(k)); err != nil {
				return err
			}
		}
		c = tx.Bucket(bIdxClosed).Cursor()
		end := msKey(to)
		for k, v := c.Seek(msKey(from)); k != nil; k, v = c.Next() {
			if len(v) == 8 && bytes.Compare(v, end) >= 0 {
				continue // received after the period: no need to read it
			}
			if err := visit(idOf(k)); err != nil {
				return err
			}
		}
		return nil
	})
}

// AttachmentHashes lists the content hashes of every attachment of every
// dossier, each once: what a PC should hold. The LAN copies those it lacks
// (HasBlob) from a peer.
func (s *Store) AttachmentHashes() ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bIdxBlobs).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			h := string(k[:bytes.IndexByte(k, 0)])
			if len(out) == 0 || out[len(out)-1] != h {
				out = append(out, h)
			}
		}
		return nil
	})
	return out, err
}

// backfillClosed fills idx_closed for dossiers closed before the index
// existed. It runs when a store is opened; a marker in the local meta bucket
// makes it run once. The index is derived from replicated state only, so
// every node that ran it holds the same rows.
func backfillClosed(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	if meta.Get(kClosedIndexed) != nil {
		return nil
	}
	idx := tx.Bucket(bIdxClosed)
	err := tx.Bucket(bDossiers).ForEach(func(k, v []byte) error {
		var d app.Dossier
		if err := unmarshalPacked(v, &d); err != nil {
			return fmt.Errorf("decode dossier %s: %w", k, err)
		}
		for _, e := range indexEntries(&d) {
			if bytes.Equal(e.bucket, bIdxClosed) {
				return idx.Put([]byte(e.key), []byte(e.val))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backfill idx_closed: %w", err)
	}
	return meta.Put(kClosedIndexed, []byte{1})
}

var kClosedIndexed = []byte("idx_closed_built.v2")
