package storetest

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BucketRoot is the page number of a bucket's root page in db, and the
// file's page size. It fails the test when the bucket is inline (it has no
// page of its own to damage).
func BucketRoot(tb testing.TB, db *bolt.DB, name string) (int64, int) {
	tb.Helper()
	var root int64
	if err := db.View(func(tx *bolt.Tx) error {
		root = int64(tx.Bucket([]byte(name)).Root())
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	if root == 0 {
		tb.Fatalf("bucket %s is inline: no page of its own to damage", name)
	}
	return root, db.Info().PageSize
}

// FileBucketRoot is BucketRoot for the closed bbolt file at path (a
// stopped node's xaso.db), opened read-only for the look.
func FileBucketRoot(tb testing.TB, path, name string) (int64, int) {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	return BucketRoot(tb, db, name)
}

// DamageBucket damages the root page of bucket name in the closed bbolt
// file at path (DamagePage).
func DamageBucket(tb testing.TB, path, name string) {
	tb.Helper()
	root, size := FileBucketRoot(tb, path, name)
	DamagePage(tb, path, root, size)
}

// DamagePage overwrites page pgid of the bbolt file at path as a failing
// disk or a bad copy would: a header claiming a branch page of 65,535
// elements, then garbage, so that reading it runs far outside the file.
func DamagePage(tb testing.TB, path string, pgid int64, pageSize int) {
	tb.Helper()
	page := make([]byte, pageSize)
	for i := range page {
		page[i] = 0xff
	}
	binary.LittleEndian.PutUint64(page[0:], uint64(pgid))
	binary.LittleEndian.PutUint16(page[8:], 0x01) // branch page
	binary.LittleEndian.PutUint16(page[10:], 0xffff)
	binary.LittleEndian.PutUint32(page[12:], 0)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(page, pgid*int64(pageSize)); err != nil {
		tb.Fatal(err)
	}
}

// BranchChildren reads page pgid of the bbolt file at path as a branch page
// and returns the pages it points to, in key order; nil when it is a leaf.
func BranchChildren(tb testing.TB, path string, pgid int64, pageSize int) []int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, pageSize)
	if _, err := f.ReadAt(page, pgid*int64(pageSize)); err != nil {
		tb.Fatal(err)
	}
	le := binary.LittleEndian
	if le.Uint16(page[8:]) != 0x01 || le.Uint32(page[12:]) != 0 { // a branch page without overflow
		return nil
	}
	var out []int64
	for i := range int(le.Uint16(page[10:])) { // elements: pos(4) ksize(4) pgid(8)
		out = append(out, int64(le.Uint64(page[16+16*i+8:])))
	}
	return out
}
