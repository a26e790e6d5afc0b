package powercut

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestPowerOffKeepsOnlySynced: a synced write survives the power cut, an
// unsynced one (a new file's, and an overwrite's) does not, and while the
// power is on the program reads what it wrote, through read and mmap alike.
func TestPowerOffKeepsOnlySynced(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	backing, mnt := t.TempDir(), t.TempDir()
	d, err := Mount(backing, mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Unmount()
	synced := bytes.Repeat([]byte("synced "), 2000)
	write := func(name string, data []byte, off int64, sync bool) {
		f, err := os.OpenFile(filepath.Join(mnt, name), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(data, off); err != nil {
			t.Fatal(err)
		}
		if sync {
			if err := syscall.Fdatasync(int(f.Fd())); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("a", synced, 0, true)
	write("a", []byte("LOST"), 5000, false)
	write("b", []byte("never synced"), 0, false)
	got, err := os.ReadFile(filepath.Join(mnt, "a"))
	if err != nil || !bytes.Equal(got[5000:5004], []byte("LOST")) {
		t.Fatalf("read before the cut: %q %v", got[5000:5004], err)
	}
	f, _ := os.Open(filepath.Join(mnt, "a"))
	m, err := syscall.Mmap(int(f.Fd()), 0, len(synced), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m[5000:5004], []byte("LOST")) {
		t.Fatalf("mmap before the cut: %q", m[5000:5004])
	}
	syscall.Munmap(m)
	f.Close()
	d.PowerOff()
	if _, err := os.ReadFile(filepath.Join(mnt, "a")); err == nil {
		t.Error("a read after the power cut succeeded")
	}
	if got, _ := os.ReadFile(filepath.Join(backing, "a")); !bytes.Equal(got, synced) {
		t.Errorf("the synced file after the cut: %d bytes, changed: %v", len(got), !bytes.Equal(got, synced))
	}
	if got, err := os.ReadFile(filepath.Join(backing, "b")); err != nil || len(got) != 0 {
		t.Errorf("the unsynced file after the cut: %q %v, want empty", got, err)
	}
}
