package boltstore_test

import (
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
