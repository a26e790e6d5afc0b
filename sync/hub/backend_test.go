package hub_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/hub/pgstore"
	"xaso/sync/hub/pgstore/pgtest"
)

// The hub's test suite runs on either storage: bbolt, or PostgreSQL with
// XASO_HUB_TEST_DB=postgres (`make test` runs it both ways; each test then
// gets its own throw-away cluster).
func onPostgres() bool { return os.Getenv("XASO_HUB_TEST_DB") == "postgres" }

var (
	pgMu  sync.Mutex
	pgDBs = map[string]string{} // hub data folder → its database URL
)

// dbArgs are the storage flags of `xaso hub` for the hub of data folder dir:
// none on bbolt, --db on PostgreSQL (the same database each time the hub
// of dir starts again).
func dbArgs(t *testing.T, dir string) []string {
	t.Helper()
	pgMu.Lock()
	defer pgMu.Unlock()
	url, ok := pgDBs[dir]
	if !ok && !onPostgres() {
		return nil
	}
	if !ok {
		url = pgtest.Start(t).CreateDB("hub")
		pgDBs[dir] = url
		t.Cleanup(func() {
			pgMu.Lock()
			delete(pgDBs, dir)
			pgMu.Unlock()
		})
	}
	return []string{"--db", url}
}

// useDB makes the hub of data folder dir keep its data in the database at url.
func useDB(t *testing.T, dir, url string) {
	pgMu.Lock()
	defer pgMu.Unlock()
	pgDBs[dir] = url
	t.Cleanup(func() {
		pgMu.Lock()
		delete(pgDBs, dir)
		pgMu.Unlock()
	})
}

// openStorage opens a new storage for an in-process hub.
func openStorage(tb testing.TB) hub.Storage {
	st, _ := openSized(tb)
	return st
}

// openSized opens a new storage and tells how to measure its disk use.
func openSized(tb testing.TB) (hub.Storage, func() int64) {
	tb.Helper()
	if onPostgres() {
		url := pgtest.Start(tb).CreateDB("hub")
		st, err := pgstore.Open(context.Background(), pgstore.Config{URL: url})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st, func() int64 {
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				tb.Fatal(err)
			}
			defer conn.Close(context.Background())
			var n int64
			if err := conn.QueryRow(context.Background(), `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	dir := filepath.Join(tb.TempDir(), "hub")
	st, err := boltstore.Open(dir, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st, func() int64 {
		var disk int64
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					disk += fi.Size()
				}
			}
			return nil
		})
		return disk
	}
}

// hubHasBlob reports whether the hub of data folder dir holds a scan of
// commune 14701, looking into its storage.
func hubHasBlob(t *testing.T, dir, hash string) bool {
	t.Helper()
	pgMu.Lock()
	url, ok := pgDBs[dir]
	pgMu.Unlock()
	if !ok {
		_, err := os.Stat(filepath.Join(dir, "communes", "14701", "blobs", hash[:2], hash))
		return err == nil
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var held bool
	if err := conn.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM blobs WHERE commune = '14701' AND hash = $1)`, hash).Scan(&held); err != nil {
		t.Fatal(err)
	}
	return held
}
