package peer_test

import (
	"os"
	"path/filepath"
	"testing"

	"xaso/store/powercut"
	"xaso/sync/peer"
)

// The office's credentials and the cluster's state survive a power cut
// right after they are saved: on the power-cut disk, what was not synced
// is lost. Saved with a plain write and rename, the file came back empty
// and the PC refused to start ("peer credentials …: unexpected end of
// JSON input"), as the soak found.
func TestWriteFileDurableSurvivesPowerCut(t *testing.T) {
	if err := powercut.Available(); err != nil {
		t.Skip("the power-cut disk is a FUSE mount: ", err)
	}
	backing, mnt := t.TempDir(), t.TempDir()
	disk, err := powercut.Mount(backing, mnt)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{`{"first":true}`, `{"second":true}`} { // a new file, then a replaced one
		if err := peer.WriteFileDurable(filepath.Join(mnt, "peer.json"), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	disk.PowerOff()
	if err := disk.Unmount(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(backing, "peer.json"))
	if err != nil || string(got) != `{"second":true}` {
		t.Fatalf("after the power cut: %q %v", got, err)
	}
}
