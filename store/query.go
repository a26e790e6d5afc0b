package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

func notFound(vi, en string) error {
	return &app.Error{Code: app.ENotFound, Message: "Không tìm thấy " + vi + ".", English: en + " not found"}
}

func getJSON(tx *bolt.Tx, bucket, key []byte, v any) (bool, error) {
	raw := tx.Bucket(bucket).Get(key)
	if raw == nil {
		return false, nil
	}
	if err := unmarshalPacked(raw, v); err != nil {
		return false, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return true, nil
}

// Dossier returns the state of a dossier by ID.
func (s *Store) Dossier(id string) (app.Dossier, error) {
	var d app.Dossier
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx, bDossiers, []byte(id), &d)
		if err == nil && (!ok || d.ID == "") {
			err = notFound("hồ sơ", "dossier")
		}
		return err
	})
	return d, err
}

// DossierIDByCode resolves a dossier code.
func (s *Store) DossierIDByCode(code string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bIdxCode).Get([]byte(code))
		if v == nil {
			return notFound("hồ sơ", "dossier")
		}
		id = string(v)
		return nil
	})
	return id, err
}

// User returns a user by name.
func (s *Store) User(username string) (app.User, error) {
	var u app.User
	err := s.viewSetup(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx, bUsers, []byte(username), &u)
		if err == nil && (!ok || u.Username == "") {
			err = notFound("người dùng", "user")
		}
		return err
	})
	return u, err
}

// Users lists every user, by name.
func (s *Store) Users() ([]app.User, error) {
	var us []app.User
	err := s.viewSetup(func(tx *bolt.Tx) error {
		return tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
			var u app.User
			if err := unmarshalPacked(v, &u); err != nil {
				return fmt.Errorf("decode user %s: %w", k, err)
			}
			if u.Username != "" {
				us = append(us, u)
			}
			return nil
		})
	})
	return us, err
}

// Commune returns the commune's configuration; ok is false on a new store.
func (s *Store) Commune() (app.CommuneConfig, bool, error) {
	var c app.CommuneConfig
	var ok bool
	err := s.viewSetup(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx, bConfig, []byte("commune"), &c)
		return err
	})
	return c, ok, err
}

// Slots lists the number slots that were ever leased.
func (s *Store) Slots() ([]app.SlotLease, error) {
	var ls []app.SlotLease
	err := s.viewSetup(func(tx *bolt.Tx) error {
		return tx.Bucket(bSlots).ForEach(func(k, v []byte) error {
			var l app.SlotLease
			if err := unmarshalPacked(v, &l); err != nil {
				return fmt.Errorf("decode slot %s: %w", k, err)
			}
			ls = append(ls, l)
			return nil
		})
	})
	return ls, err
}

// MaxSeq is the largest daily number applied for a day (YYMMDD) and slot.
func (s *Store) MaxSeq(day string, slot int) (int, error) { return s.seqAt(seqKey(day, slot)) }

// MaxProvisional is the largest provisional number node issued on day.
func (s *Store) MaxProvisional(day, node string) (int, error) {
	return s.seqAt(provisionalKey(day, node))
}

func (s *Store) seqAt(key []byte) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bSeq).Get(key); v != nil {
			n = int(be32(v))
		}
		return nil
	})
	return n, err
}

// Unreplicated counts this node's commands not yet replicated: of one
// entity ("dossier/<id>"), or all of them when entity is empty. For one
// entity the folder's queue counts too, without waiting for the fold; a
// command folded between the two reads is in both and counts once.
func (s *Store) Unreplicated(entity string) (int, error) {
	if entity == "" {
		n := 0
		err := s.view(func(tx *bolt.Tx) error {
			if v := tx.Bucket(bMeta).Get(kPending); v != nil {
				n = int(binary.BigEndian.Uint64(v))
			}
			return nil
		})
		return n, err
	}
	queued := s.queuedFor(entity) // before bbolt: never missed
	n := len(queued)
	err := s.viewNow(func(tx *bolt.Tx) error {
		prefix := entityPrefix(entity)
		c := tx.Bucket(bPendingEntity).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if !slices.Contains(queued, string(k[len(prefix):])) {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Counts returns the dashboard counters at now.
func (s *Store) Counts(now time.Time) (app.Stats, error) {
	st := app.Stats{ByStatus: map[app.Status]int{}, Processed: map[app.Timing]int{}}
	err := s.view(func(tx *bolt.Tx) error {
		counts := tx.Bucket(bCounts)
		for _, i := range app.Statuses() {
			if v := counts.Get([]byte("status/" + string(i.Name))); v != nil {
				st.ByStatus[i.Name] = int(binary.BigEndian.Uint64(v))
				st.Total += st.ByStatus[i.Name]
			}
		}
		for _, t := range []app.Timing{app.TimingEarly, app.TimingOnTime, app.TimingLate} {
			if v := counts.Get([]byte("timing/" + string(t))); v != nil {
				st.Processed[t] = int(binary.BigEndian.Uint64(v))
			}
		}
		y, m, d := now.In(app.VN()).Date()
		dayStart := time.Date(y, m, d, 0, 0, 0, 0, app.VN())
		c := tx.Bucket(bIdxOpenDue).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			due := time.UnixMilli(int64(binary.BigEndian.Uint64(k[:8])))
			if !due.Before(dayStart.AddDate(0, 0, 1)) {
				break
			}
			if due.Before(now) && string(v) != string(app.StatusSupplementRequested) {
				st.Overdue++
			}
			if !due.Before(dayStart) {
				st.DueToday++
			}
		}
		return nil
	})
	return st, err
}

// Dossiers runs a list query on the index that fits it.
func (s *Store) Dossiers(q app.ListQuery) ([]app.Dossier, string, error) {
	var items []app.Dossier
	var next string
	err := s.view(func(tx *bolt.Tx) error {
		sc, err := planScan(q)
		if err != nil {
			return err
		}
		if q.After != "" {
			after, err := hex.DecodeString(q.After)
			if err != nil || !bytes.HasPrefix(after, sc.prefix) {
				return app.Errorf(app.EInvalid, "after", "Con trỏ trang không hợp lệ.", "the page cursor is not valid")
			}
			sc.start, sc.skip = after, after
		}
		dossiers := tx.Bucket(bDossiers)
		seen := map[string]bool{}
		scanned := 0
		var last []byte
		c := tx.Bucket(sc.bucket).Cursor()
		step := c.Next
		if sc.reverse {
			step = c.Prev
		}
		for k, v := sc.first(c); k != nil && bytes.HasPrefix(k, sc.prefix); k, v = step() {
			if sc.skip != nil && bytes.Equal(k, sc.skip) {
				continue
			}
			if sc.stop != nil && bytes.Compare(k, sc.stop) >= 0 {
				break
			}
			if len(items) == q.Limit || scanned == maxScan {
				next = hex.EncodeToString(last)
				break
			}
			scanned++
			last = append(last[:0], k...)
			if sc.keyFilter != nil && !sc.keyFilter(k) || sc.valFilter != nil && !sc.valFilter(v) {
				continue
			}
			id := idOf(k)
			if seen[id] {
				continue
			}
			seen[id] = true
			var d app.Dossier
			if err := unmarshalPacked(dossiers.Get([]byte(id)), &d); err != nil {
				return fmt.Errorf("decode dossier %s: %w", id, err)
			}
			if q.Status != "" && d.Status != q.Status {
				continue
			}
			items = append(items, d)
		}
		return nil
	})
	return items, next, err
}

// maxScan bounds the index rows one page may read, so that a rare filter
// over a large index answers quickly (with a shorter page and a cursor).
const maxScan = 50_000

type scan struct {
	reverse   bool // newest first: read the index backwards
	bucket    []byte
	prefix    []byte // every key of the scan starts with it
	start     []byte // first key to read
	stop      []byte // keys at or after it end the scan
	skip      []byte // the cursor's own key
	valFilter func([]byte) bool
	keyFilter func([]byte) bool
}

// first places the cursor on the scan's first key.
func (sc scan) first(c *bolt.Cursor) ([]byte, []byte) {
	if !sc.reverse {
		return c.Seek(sc.start)
	}
	var k, v []byte
	switch {
	case sc.skip != nil: // resume below the cursor's key
		if k, v = c.Seek(sc.skip); k == nil {
			return c.Last()
		}
		if !bytes.Equal(k, sc.skip) {
			return c.Prev()
		}
		return k, v
	case len(sc.prefix) > 0: // the last key with the prefix
		end := append([]byte(nil), sc.prefix...)
		end[len(end)-1]++
		if k, _ = c.Seek(end); k == nil {
			return c.Last()
		}
		return c.Prev()
	}
	return c.Last()
}

func planScan(q app.ListQuery) (scan, error) {
	kind, term := app.ClassifySearch(q.Q)
	switch {
	case kind == app.SearchCode:
		p := append([]byte(term), 0)
		return scan{bucket: bCodeClaims, prefix: p, start: p}, nil
	case kind == app.SearchCodePart: // no index by the end of a code: read the code index newest day first
		return scan{bucket: bCodeClaims, start: []byte{}, reverse: true, keyFilter: func(k []byte) bool {
			code, _, _ := bytes.Cut(k, []byte{0})
			return app.CodeMatches(string(code), term)
		}}, nil
	case kind == app.SearchNumber:
		return scan{bucket: bIdxNum, prefix: []byte(term), start: []byte(term)}, nil
	case kind == app.SearchName:
		return scan{bucket: bIdxName, prefix: []byte(term), start: []byte(term)}, nil
	case q.Holder != "":
		p := append([]byte(q.Holder), 0)
		return scan{bucket: bIdxHolder, prefix: p, start: p}, nil
	case q.Queue != "" || !q.DueMin.IsZero() || !q.DueMax.IsZero():
		sc := scan{bucket: bIdxOpenDue, start: []byte{}}
		if !q.DueMin.IsZero() {
			sc.start = msKey(q.DueMin)
		}
		if !q.DueMax.IsZero() {
			sc.stop = msKey(q.DueMax)
		}
		if q.Queue == app.QueueOverdue {
			sc.valFilter = func(v []byte) bool { return string(v) != string(app.StatusSupplementRequested) }
		}
		return sc, nil
	case q.Status != "":
		p := append([]byte(q.Status), 0)
		return scan{bucket: bIdxStatus, prefix: p, start: p, reverse: true}, nil
	}
	return scan{bucket: bIdxRecv, start: []byte{}, reverse: true}, nil
}

// CodeClaims lists the IDs of every dossier bearing code (more than one
// after clusters set up apart issued it twice).
// A receipt waiting to be folded adds its claim without waiting for the
// fold; a new code waiting (a recode, a kind from a newer version) is waited
// for.
func (s *Store) CodeClaims(code string) ([]string, error) {
	ids, recodes := s.queuedCode(code)
	read := s.viewNow
	if recodes {
		read = s.view
	}
	err := read(func(tx *bolt.Tx) error {
		prefix := append([]byte(code), 0)
		c := tx.Bucket(bCodeClaims).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, idOf(k))
		}
		return nil
	})
	slices.Sort(ids)
	return slices.Compact(ids), err
}

// DossierIDByIdem resolves an idempotency hash to the dossier it created.
func (s *Store) DossierIDByIdem(idem string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bIdem).Get([]byte(idem))
		if v == nil {
			return notFound("hồ sơ", "dossier")
		}
		id = string(v)
		return nil
	})
	return id, err
}
