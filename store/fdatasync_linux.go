package store

import (
	"os"
	"syscall"
)

// fdatasync syncs a file's data and the size that reaches it, not its times.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
