package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the outbox file, declared once.
var (
	bItems   = []byte("items")   // MaHoSo → item (JSON): a state waiting to go
	bSent    = []byte("sent")    // MaHoSo → sentState (JSON): what the portal holds
	bRefused = []byte("refused") // MaHoSo → Refusal (JSON): what the portal refused, until a later state goes
	bMeta    = []byte("meta")    // "cursor" → the source's cursor
	kCursor  = []byte("cursor")
	buckets  = [][]byte{bItems, bSent, bRefused, bMeta}
)

// Outbox keeps what waits for the portal, what it holds and what it
// refused, with the source's cursor, in one bbolt file: a state read from
// the source is kept before the cursor moves past it, and leaves only once
// the portal took it. Losing the file costs a resend (TraCuuHoSo then
// turns it into an update), never a loss.
type Outbox struct{ db *bolt.DB }

type item struct {
	Dossier  Dossier    `json:"dossier"`
	Progress []Progress `json:"progress"`
	Hash     string     `json:"hash"`
	Attempts int        `json:"attempts,omitempty"`
	NextAt   time.Time  `json:"next_at,omitzero"`
	Error    string     `json:"error,omitempty"`
}

type sentState struct {
	Hash     string `json:"hash"`
	Progress int    `json:"progress"` // progress rows the portal took
}

// Refusal is a dossier the portal refused, with its answer.
type Refusal struct {
	MaHoSo    string    `json:"ma_ho_so"`
	Service   string    `json:"service"`
	ErrorCode string    `json:"error_code"`
	Message   string    `json:"message"`
	At        time.Time `json:"at"`
}

// Report is what the connector has to say: how many dossiers wait (and
// why the oldest failed) and what the portal refused.
type Report struct {
	Pending   int       `json:"pending"`
	Sent      int       `json:"sent"`
	LastError string    `json:"last_error,omitempty"`
	Refused   []Refusal `json:"refused"`
}

// OpenOutbox opens (or creates) the outbox file.
func OpenOutbox(path string) (*Outbox, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("portal outbox %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Outbox{db: db}, nil
}

// Close closes the file.
func (o *Outbox) Close() error { return o.db.Close() }

// Cursor is the source's cursor after the last states kept.
func (o *Outbox) Cursor() (string, error) {
	var c string
	err := o.db.View(func(tx *bolt.Tx) error {
		c = string(tx.Bucket(bMeta).Get(kCursor))
		return nil
	})
	return c, err
}

func stateHash(d Dossier, rows []Progress) string {
	raw, _ := json.Marshal(struct {
		D Dossier
		P []Progress
	}{d, rows})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func getJSON(b *bolt.Bucket, key string, v any) (bool, error) {
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// add keeps the states not held by the portal yet (a newer state replaces
// one still waiting) and moves the cursor, in one transaction.
func (o *Outbox) add(states []item, cursor string) (queued int, err error) {
	err = o.db.Update(func(tx *bolt.Tx) error {
		items, sent := tx.Bucket(bItems), tx.Bucket(bSent)
		for _, it := range states {
			var s sentState
			if _, err := getJSON(sent, it.Dossier.MaHoSo, &s); err != nil {
				return err
			}
			var old item
			had, err := getJSON(items, it.Dossier.MaHoSo, &old)
			if err != nil {
				return err
			}
			if s.Hash == it.Hash || had && old.Hash == it.Hash {
				continue
			}
			if err := putJSON(items, it.Dossier.MaHoSo, it); err != nil {
				return err
			}
			queued++
		}
		return tx.Bucket(bMeta).Put(kCursor, []byte(cursor))
	})
	return queued, err
}

// due returns up to limit waiting states whose time has come, oldest try first.
func (o *Outbox) due(now time.Time, limit int) ([]item, error) {
	var out []item
	err := o.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bItems).ForEach(func(_, v []byte) error {
			var it item
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			if !it.NextAt.After(now) {
				out = append(out, it)
			}
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].NextAt.Before(out[j].NextAt) })
	return out[:min(limit, len(out))], err
}

// sent returns what the portal holds of a dossier (ok false: nothing yet).
func (o *Outbox) sent(mahoso string) (sentState, bool, error) {
	var s sentState
	var ok bool
	err := o.db.View(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bSent), mahoso, &s)
		return err
	})
	return s, ok, err
}

// progressed records how far the portal took a state: the dossier (hash,
// once DongBoHoSoMC succeeded) and its progress rows. The state leaves the
// outbox when done.
func (o *Outbox) progressed(it item, rows int, done bool) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bSent), it.Dossier.MaHoSo, sentState{Hash: it.Hash, Progress: rows}); err != nil {
			return err
		}
		if !done {
			return nil
		}
		if err := tx.Bucket(bRefused).Delete([]byte(it.Dossier.MaHoSo)); err != nil {
			return err
		}
		return deleteIfSame(tx, it)
	})
}

// deleteIfSame drops the waiting state unless a newer one replaced it.
func deleteIfSame(tx *bolt.Tx, it item) error {
	var cur item
	ok, err := getJSON(tx.Bucket(bItems), it.Dossier.MaHoSo, &cur)
	if err != nil || !ok || cur.Hash != it.Hash {
		return err
	}
	return tx.Bucket(bItems).Delete([]byte(it.Dossier.MaHoSo))
}

// retryLater keeps the state for another try at next.
func (o *Outbox) retryLater(it item, cause error, next time.Time) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		var cur item
		ok, err := getJSON(tx.Bucket(bItems), it.Dossier.MaHoSo, &cur)
		if err != nil || !ok || cur.Hash != it.Hash {
			return err
		}
		cur.Attempts++
		cur.NextAt, cur.Error = next, cause.Error()
		return putJSON(tx.Bucket(bItems), it.Dossier.MaHoSo, cur)
	})
}

// refuse records the portal's refusal; the state leaves the outbox (a
// later state of the dossier is tried again).
func (o *Outbox) refuse(it item, r Refusal) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bRefused), it.Dossier.MaHoSo, r); err != nil {
			return err
		}
		return deleteIfSame(tx, it)
	})
}

// Report reads the outbox's state.
func (o *Outbox) Report() (Report, error) {
	r := Report{Refused: []Refusal{}}
	var oldest time.Time
	err := o.db.View(func(tx *bolt.Tx) error {
		r.Sent = tx.Bucket(bSent).Stats().KeyN
		if err := tx.Bucket(bItems).ForEach(func(_, v []byte) error {
			var it item
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			r.Pending++
			if it.Error != "" && (oldest.IsZero() || it.NextAt.Before(oldest)) {
				oldest, r.LastError = it.NextAt, it.Error
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bRefused).ForEach(func(_, v []byte) error {
			var f Refusal
			if err := json.Unmarshal(v, &f); err != nil {
				return errors.Join(err)
			}
			r.Refused = append(r.Refused, f)
			return nil
		})
	})
	return r, err
}
