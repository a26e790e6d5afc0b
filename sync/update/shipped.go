package update

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed trusted
var trusted embed.FS

// Shipped is the root of trust built into this binary (trusted/root.json);
// nil when the build has none.
func Shipped() []byte {
	b, err := trusted.ReadFile("trusted/root.json")
	if err != nil {
		return nil
	}
	return b
}

// RootFile is the root of trust of a data folder's updates.
func RootFile(updateDir string) string { return filepath.Join(updateDir, "root.json") }

// InstalledRoot returns the data folder's root of trust, installing the
// shipped one on first use; nil when there is neither (updates are off).
func InstalledRoot(updateDir string) ([]byte, error) {
	p := RootFile(updateDir)
	b, err := os.ReadFile(p)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	s := Shipped()
	if s == nil {
		return nil, nil
	}
	if err := os.MkdirAll(updateDir, 0o700); err != nil {
		return nil, err
	}
	return s, WriteFileSync(p, s)
}
