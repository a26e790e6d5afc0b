//go:build linux

package update

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"xaso/app"
)

// A full disk while the new program is staged: a coded disk_full, no
// partial file left, the running program untouched. The disk is a small
// tmpfs (root only; skipped otherwise).
func TestStageOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("no tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	exe := filepath.Join(dir, "xaso")
	if err := os.WriteFile(exe, []byte("running program"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Stage(exe, bytes.Repeat([]byte{1}, 1<<20))
	if e := Explain(err); e == nil || e.Code != app.EDiskFull {
		t.Fatalf("staging on a full disk: %v", err)
	}
	if _, err := os.Stat(exe + ".new"); !os.IsNotExist(err) {
		t.Fatalf("a partial staged file is left: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left in the folder: %v", entries)
	}
	if b, _ := os.ReadFile(exe); string(b) != "running program" {
		t.Fatal("the running program changed")
	}
}
