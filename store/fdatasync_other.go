//go:build !linux

package store

import "os"

// fdatasync syncs a file: where there is no fdatasync, a full sync.
func fdatasync(f *os.File) error { return f.Sync() }
