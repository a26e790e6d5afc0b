package update

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileSync writes b to path through a temporary file in the same
// folder, synced and renamed over: a power cut leaves the old file or the
// new one, never a torn one.
func WriteFileSync(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
