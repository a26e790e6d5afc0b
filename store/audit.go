package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// auditKey orders the audit log by time, then command ID: the same order
// on every PC.
func auditKey(c app.Command) []byte {
	return append(u64(uint64(c.At)), c.ID...)
}

func applyAudit(tx *bolt.Tx, c app.Command, b *app.AuditBody) error {
	raw, err := json.Marshal(app.NewAuditEntry(c, b))
	if err != nil {
		return err
	}
	return tx.Bucket(bAudit).Put(auditKey(c), raw)
}

// Audit lists audit entries newest first: at most limit, older than the
// cursor before (the next of a previous page; empty for the newest).
func (s *Store) Audit(limit int, before string) ([]app.AuditEntry, string, error) {
	var from []byte
	if before != "" {
		k, err := hex.DecodeString(before)
		if err != nil {
			return nil, "", app.Errorf(app.EInvalid, "before", "Con trỏ trang không hợp lệ.", "bad page cursor")
		}
		from = k
	}
	items := []app.AuditEntry{}
	next := ""
	err := s.view(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bAudit).Cursor()
		var k, v []byte
		if from == nil {
			k, v = cur.Last()
		} else {
			k, v = cur.Seek(from)
			if k == nil {
				k, v = cur.Last()
			}
			for k != nil && bytes.Compare(k, from) >= 0 {
				k, v = cur.Prev()
			}
		}
		var last []byte
		for ; k != nil; k, v = cur.Prev() {
			if len(items) == limit {
				next = hex.EncodeToString(last)
				break
			}
			var e app.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit/%x: %w", k, err)
			}
			items = append(items, e)
			last = k
		}
		return nil
	})
	return items, next, err
}
