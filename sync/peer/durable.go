package peer

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFileDurable replaces the file at path with data so that a power cut
// leaves the old file or the new one, whole: the data goes to a temporary
// file that is synced before it is renamed over path, and the folder is
// synced after. A plain write and rename can leave, after a power cut, the
// new name on an empty file: the rename reached the disk, the data did not.
func WriteFileDurable(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes the names made, renamed or removed in dir durable. Windows
// cannot sync a folder (NTFS journals its names itself): nothing to do there.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
