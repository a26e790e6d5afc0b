package boltstore_test

import (
	"io/fs"
	"path/filepath"
	"testing"

	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/hub/storetest"
)

// The hub's storage contract, on bbolt.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() hub.Storage {
		dir := filepath.Join(t.TempDir(), "hub")
		return func() hub.Storage {
			db, err := boltstore.Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	})
}

// BenchmarkIngest16: 16 communes' batches into bbolt at once.
func BenchmarkIngest16(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "hub")
	db, err := boltstore.Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.Ingest(b, db, func() int64 {
		var n int64
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					n += fi.Size()
				}
			}
			return nil
		})
		return n
	})
}
