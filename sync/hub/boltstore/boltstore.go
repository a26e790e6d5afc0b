// Package boltstore is the hub's embedded storage: one bbolt file for
// accounts, enrolment and the down logs (DIR/hub.db), and per commune a
// commune store (store.Store, DIR/communes/CODE) that folds the commune's
// commands exactly as its own PCs do, with the commune's scans beside it.
package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
	"xaso/store"
	"xaso/sync/hub"
)

// Buckets of hub.db, declared once.
var (
	bUsers         = []byte("users")         // user name → hub.User (JSON)
	bSessions      = []byte("sessions")      // token hash → hub.Session (JSON)
	bTokens        = []byte("tokens")        // token hash → hub.Token (JSON)
	bInstallations = []byte("installations") // installation ID → hub.Installation (JSON)
	bCommunes      = []byte("communes")      // commune code → hub.CommuneInfo (JSON)
	bDown          = []byte("down")          // commune code \x00 seq(8) → command (JSON)
	bDownSeq       = []byte("down_seq")      // commune code → last seq (8)
	bDownViewed    = []byte("down_viewed")   // commune code → seq (8): every down command up to it is in the commune's views
	buckets        = [][]byte{bUsers, bSessions, bTokens, bInstallations, bCommunes, bDown, bDownSeq, bDownViewed}
)

// DB is the hub's bbolt storage.
type DB struct {
	dir string
	db  *bolt.DB
	log *slog.Logger

	mu      sync.Mutex
	communs map[string]*communeLog
}

var _ hub.Storage = (*DB)(nil)

// Open opens (or creates) the hub's storage in dir.
func Open(dir string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Join(dir, "communes"), 0o700); err != nil {
		return nil, fmt.Errorf("hub data folder %s: %w", dir, err)
	}
	db, err := bolt.Open(filepath.Join(dir, "hub.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, app.Errorf(app.EDataDirLocked, "data", "Thư mục dữ liệu %s đang được một chương trình xaso hub khác dùng.",
			"the data folder %s is in use by another xaso hub", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open hub.db: %w", err)
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
	return &DB{dir: dir, db: db, log: logger, communs: map[string]*communeLog{}}, nil
}

// Close closes every commune's store and the hub's file.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, c := range d.communs {
		errs = append(errs, c.st.Close())
	}
	d.communs = map[string]*communeLog{}
	errs = append(errs, d.db.Close())
	return errors.Join(errs...)
}

func get[T any](d *DB, bucket []byte, key string) (T, bool, error) {
	var v T
	var ok bool
	err := d.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucket).Get([]byte(key))
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &v)
	})
	return v, ok, err
}

func put(d *DB, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return d.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), raw) })
}

func (d *DB) User(name string) (hub.User, bool, error) { return get[hub.User](d, bUsers, name) }
func (d *DB) PutUser(u hub.User) error                 { return put(d, bUsers, u.Username, u) }
func (d *DB) Session(h string) (hub.Session, bool, error) {
	return get[hub.Session](d, bSessions, h)
}
func (d *DB) PutSession(h string, s hub.Session) error { return put(d, bSessions, h, s) }
func (d *DB) DeleteSession(h string) error {
	return d.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSessions).Delete([]byte(h)) })
}
func (d *DB) Token(h string) (hub.Token, bool, error) { return get[hub.Token](d, bTokens, h) }
func (d *DB) PutToken(t hub.Token) error              { return put(d, bTokens, t.Hash, t) }
func (d *DB) Installation(id string) (hub.Installation, bool, error) {
	return get[hub.Installation](d, bInstallations, id)
}
func (d *DB) PutInstallation(in hub.Installation) error { return put(d, bInstallations, in.ID, in) }
func (d *DB) Installations(commune string) ([]hub.Installation, error) {
	var out []hub.Installation
	err := d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bInstallations).ForEach(func(_, v []byte) error {
			var in hub.Installation
			if err := json.Unmarshal(v, &in); err != nil {
				return err
			}
			if in.Commune == commune {
				out = append(out, in)
			}
			return nil
		})
	})
	return out, err
}

func (d *DB) CommuneInfo(code string) (hub.CommuneInfo, bool, error) {
	return get[hub.CommuneInfo](d, bCommunes, code)
}
func (d *DB) PutCommuneInfo(c hub.CommuneInfo) error { return put(d, bCommunes, c.Code, c) }

func (d *DB) CommuneInfos() ([]hub.CommuneInfo, error) {
	var out []hub.CommuneInfo
	err := d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bCommunes).ForEach(func(_, v []byte) error {
			var c hub.CommuneInfo
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

var codePattern = regexp.MustCompile(`^[0-9]{5}$`)

// Commune opens the commune's store, once.
func (d *DB) Commune(code string) (hub.CommuneLog, error) {
	if !codePattern.MatchString(code) {
		return nil, fmt.Errorf("commune code %q", code)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.communs[code]; ok {
		return c, nil
	}
	dir := filepath.Join(d.dir, "communes", code)
	st, err := store.Open(store.Config{Dir: dir, Logger: d.log.With("commune", code), HubCopy: true})
	if err != nil {
		return nil, err
	}
	blobs, err := store.OpenBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		st.Close()
		return nil, err
	}
	n, err := st.CommandCount()
	if err != nil {
		st.Close()
		return nil, err
	}
	c := &communeLog{db: d, code: code, st: st, blobs: blobs}
	c.count.Store(int64(n))
	if err := c.repairViews(context.Background()); err != nil {
		st.Close()
		return nil, err
	}
	d.communs[code] = c
	return c, nil
}

// repairViews folds into the commune's views every down command they miss.
// AppendDown writes the down log (hub.db) and then the views (the commune's
// own store, another file): a hub killed between the two leaves a command
// the offices will receive but the views never would, as the hub drops
// hub.* IDs pushed back up. Run when the commune is opened, before anything
// reads its views; it checks the down log from the mark the last repair left.
func (c *communeLog) repairViews(ctx context.Context) error {
	var from, to uint64
	err := c.db.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bDownViewed).Get([]byte(c.code)); v != nil {
			from = binary.BigEndian.Uint64(v)
		}
		if v := tx.Bucket(bDownSeq).Get([]byte(c.code)); v != nil {
			to = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	last, repaired := from, 0
	for {
		page, _, err := c.Down(last, 500)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		n, err := c.Apply(ctx, page)
		if err != nil {
			return fmt.Errorf("down log %s into the views: %w", c.code, err)
		}
		repaired += n
		last += uint64(len(page)) // numbered without gaps; were there one, Apply skips what it holds
	}
	if repaired > 0 {
		c.db.log.Warn("down commands missing from the commune's views (hub stopped mid-append) folded in",
			"commune", c.code, "commands", repaired)
	}
	if to == from {
		return nil
	}
	// No AppendDown runs meanwhile: the commune is not yet handed out.
	return c.db.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bDownViewed).Put([]byte(c.code), binary.BigEndian.AppendUint64(nil, to))
	})
}

// communeLog is one commune at the hub.
type communeLog struct {
	db    *DB
	code  string
	st    *store.Store
	blobs *store.Blobs
	count atomic.Int64
}

func (c *communeLog) Apply(ctx context.Context, cmds []app.Command) (int, error) {
	ids := make([]string, len(cmds))
	for i, cmd := range cmds {
		ids[i] = cmd.ID
	}
	have, err := c.st.HasCommands(ids)
	if err != nil {
		return 0, err
	}
	var fresh []app.Command
	seen := map[string]bool{}
	for i, cmd := range cmds {
		if !have[i] && !seen[cmd.ID] {
			seen[cmd.ID] = true
			fresh = append(fresh, cmd)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	if err := c.st.Apply(ctx, fresh...); err != nil {
		return 0, err
	}
	c.count.Add(int64(len(fresh)))
	return len(fresh), nil
}

func (c *communeLog) Count() int { return int(c.count.Load()) }

func (c *communeLog) After(after string, limit int) ([]app.Command, error) {
	return c.st.CommandsAfter(after, limit)
}

func downKey(code string, seq uint64) []byte {
	k := append([]byte(code), 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func (c *communeLog) AppendDown(ctx context.Context, make func(seq uint64) (app.Command, error)) (app.Command, error) {
	cmd, err := c.appendDownLog(make)
	if err != nil {
		return app.Command{}, err
	}
	// Kept in the down log first, then folded into the views (another
	// file): a hub killed between the two folds it when the commune is
	// next opened (repairViews).
	if _, err := c.Apply(ctx, []app.Command{cmd}); err != nil {
		return app.Command{}, err
	}
	return cmd, nil
}

// appendDownLog is AppendDown's first step: the command numbered and kept
// in the commune's down log.
func (c *communeLog) appendDownLog(make func(seq uint64) (app.Command, error)) (app.Command, error) {
	var cmd app.Command
	err := c.db.db.Update(func(tx *bolt.Tx) error {
		var seq uint64
		if v := tx.Bucket(bDownSeq).Get([]byte(c.code)); v != nil {
			seq = binary.BigEndian.Uint64(v)
		}
		seq++
		var err error
		if cmd, err = make(seq); err != nil {
			return err
		}
		raw, err := cmd.Encode()
		if err != nil {
			return err
		}
		if err := tx.Bucket(bDown).Put(downKey(c.code, seq), raw); err != nil {
			return err
		}
		return tx.Bucket(bDownSeq).Put([]byte(c.code), binary.BigEndian.AppendUint64(nil, seq))
	})
	return cmd, err
}

func (c *communeLog) Down(after uint64, limit int) ([]app.Command, bool, error) {
	var out []app.Command
	more := false
	err := c.db.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bDown).Cursor()
		prefix := append([]byte(c.code), 0)
		for k, v := cur.Seek(downKey(c.code, after+1)); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, v = cur.Next() {
			if len(out) == limit {
				more = true
				return nil
			}
			cmd, err := app.DecodeCommand(v)
			if err != nil {
				return fmt.Errorf("down log %s: %w", c.code, err)
			}
			out = append(out, cmd)
		}
		return nil
	})
	return out, more, err
}

func (c *communeLog) Dossier(id string) (app.Dossier, error) { return c.st.Dossier(id) }
func (c *communeLog) Dossiers(q app.ListQuery) ([]app.Dossier, string, error) {
	return c.st.Dossiers(q)
}
func (c *communeLog) DossiersForPeriod(from, to time.Time, fn func(app.Dossier) error) error {
	return c.st.DossiersForPeriod(from, to, fn)
}
func (c *communeLog) Counts(now time.Time) (app.Stats, error)  { return c.st.Counts(now) }
func (c *communeLog) Config() (app.CommuneConfig, bool, error) { return c.st.Commune() }
func (c *communeLog) Digitising() (app.DigitiseProgress, error) {
	return app.DigitisingProgress(c.st)
}
func (c *communeLog) StateHash() (string, error)      { return c.st.StateHash() }
func (c *communeLog) PublishedStamp() (uint64, error) { return c.st.PublishedStamp() }
func (c *communeLog) CatalogVersions() ([]app.CatalogVersion, error) {
	return c.st.CatalogVersions()
}
func (c *communeLog) CalendarYears() ([]app.CalendarYear, error) { return c.st.CalendarYears() }
func (c *communeLog) HasBlob(h string) (bool, error)             { return c.blobs.HasBlob(h) }
func (c *communeLog) PutBlob(h string, r io.Reader, limit int64) error {
	return c.blobs.Put(h, r, limit)
}
func (c *communeLog) Blob(h string) (io.ReadCloser, error) { return c.blobs.Blob(h) }
