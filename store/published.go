package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// What the province published (app/publish.go): one state per catalog
// version in bCatalogs and per year in bCalendars, and a count of their
// commands, the stamp the service checks before each use.

// kPublished is the key of the count of published commands in bCounts.
var kPublished = []byte("published")

// foldPublished folds a catalog or calendar command into its state and
// raises the stamp: a command ID is applied once, so the count changes
// exactly when the published state may have.
func foldPublished[T any, P folder[T]](tx *bolt.Tx, bucket, key []byte, entity string, c app.Command, body app.Body, last bool) error {
	if err := foldSimple[T, P](tx, bucket, key, entity, c, body, last); err != nil {
		return err
	}
	counts := tx.Bucket(bCounts)
	var n uint64
	if v := counts.Get(kPublished); v != nil {
		n = binary.BigEndian.Uint64(v)
	}
	return counts.Put(kPublished, u64(n+1))
}

// PublishedStamp returns the number of catalog and calendar commands
// applied: it changes whenever one is. The service reads it at every
// receipt, so it is kept in memory, updated by each fold that commits, and
// waits only for the acknowledged commands that change the setup
// (catalogs and calendars are among them), not for every receipt to be
// folded (store/writer.go).
func (s *Store) PublishedStamp() (uint64, error) {
	s.caughtUp(true)
	return s.published.Load(), nil
}

// publishedIn is the stamp as tx holds it.
func publishedIn(tx *bolt.Tx) uint64 {
	if v := tx.Bucket(bCounts).Get(kPublished); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// loadPublished reads the stamp from the file (at open, and after a state
// snapshot replaced it, with s.swap held: so not through viewNow). A
// damaged file that cannot say keeps what it had.
func (s *Store) loadPublished() {
	_ = s.guard("read", func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bCounts) != nil {
				s.published.Store(publishedIn(tx))
			}
			return nil
		})
	})
}

// CatalogVersions returns every published catalog version, by version.
func (s *Store) CatalogVersions() ([]app.CatalogVersion, error) {
	return allPublished[app.CatalogVersion](s, bCatalogs)
}

// CalendarYears returns every published year's calendar, by year.
func (s *Store) CalendarYears() ([]app.CalendarYear, error) {
	return allPublished[app.CalendarYear](s, bCalendars)
}

func allPublished[T any](s *Store, bucket []byte) ([]T, error) {
	var out []T
	err := s.viewSetup(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var x T
			if err := unmarshalPacked(v, &x); err != nil {
				return fmt.Errorf("decode %s/%s: %w", bucket, k, err)
			}
			out = append(out, x)
			return nil
		})
	})
	return out, err
}
