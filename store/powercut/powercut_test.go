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
	if dir, err := os.Open(mnt); err != nil || dir.Sync() != nil { // the names are durable, not b's data
		t.Fatal("sync the folder", err)
	} else {
		dir.Close()
	}
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
	if err := d.PowerOff(); err != nil {
		t.Fatal(err)
	}
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

// TestPowerOffUndoesUnsyncedDirectoryChanges: a new name, a rename and a
// removal last only once their directory is synced; a synced file whose new
// name was not synced is lost with it.
func TestPowerOffUndoesUnsyncedDirectoryChanges(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	backing, mnt := t.TempDir(), t.TempDir()
	d, err := Mount(backing, mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Unmount()
	at := func(name string) string { return filepath.Join(mnt, name) }
	write := func(name, data string) {
		t.Helper()
		f, err := os.Create(at(name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(data); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	syncDir := func(name string) {
		t.Helper()
		f, err := os.Open(at(name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	write("kept", "kept")
	write("renamed", "renamed")
	write("removed", "removed")
	write("replaced", "old")
	must(os.Mkdir(at("sub"), 0o700))
	syncDir(".")
	write("sub/kept", "in sub")
	syncDir("sub")
	// Not synced from here on.
	write("new", "synced data, unsynced name")
	must(os.Rename(at("renamed"), at("moved")))
	must(os.Remove(at("removed")))
	write("replacement", "new")
	must(os.Rename(at("replacement"), at("replaced")))
	must(os.Mkdir(at("newdir"), 0o700))
	write("sub/new", "x")
	if got, err := os.ReadFile(at("replaced")); err != nil || string(got) != "new" {
		t.Fatalf("before the cut the program sees its changes: %q %v", got, err)
	}
	must(d.PowerOff())
	want := map[string]string{"kept": "kept", "renamed": "renamed", "removed": "removed", "replaced": "old", "sub/kept": "in sub"}
	for name, data := range want {
		if got, err := os.ReadFile(filepath.Join(backing, name)); err != nil || string(got) != data {
			t.Errorf("%s after the cut: %q %v, want %q", name, got, err, data)
		}
	}
	for _, name := range []string{"new", "moved", "replacement", "newdir", "sub/new"} {
		if _, err := os.Lstat(filepath.Join(backing, name)); err == nil {
			t.Errorf("%s is there after the cut: its directory was never synced", name)
		}
	}
}
