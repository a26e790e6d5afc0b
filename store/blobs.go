package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"xaso/app"
)

// Blobs keeps attachment files by the SHA-256 of their content, one file
// each under Dir/ab/<hash>. An upload is written to Dir/tmp, fsynced, and
// renamed into place only when complete, so a broken upload or a power cut
// leaves no partial file where a reader would find it; what is left in tmp
// is removed at the next open. The same content stored twice is one file.
type Blobs struct {
	dir string
	tmp string
}

// OpenBlobs opens (or creates) a blob folder and clears uploads that a
// crash left unfinished.
func OpenBlobs(dir string) (*Blobs, error) {
	b := &Blobs{dir: dir, tmp: filepath.Join(dir, "tmp")}
	if err := os.MkdirAll(b.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("open blobs %s: %w", dir, err)
	}
	leftovers, err := os.ReadDir(b.tmp)
	if err != nil {
		return nil, fmt.Errorf("open blobs %s: %w", dir, err)
	}
	for _, e := range leftovers {
		if err := os.Remove(filepath.Join(b.tmp, e.Name())); err != nil {
			return nil, fmt.Errorf("open blobs: clear unfinished upload: %w", err)
		}
	}
	return b, nil
}

// Dir is the blob folder.
func (b *Blobs) Dir() string { return b.dir }

func (b *Blobs) path(hash string) string { return filepath.Join(b.dir, hash[:2], hash) }

// HasBlob reports whether the content with this hash is on this PC.
func (b *Blobs) HasBlob(hash string) (bool, error) {
	if !app.ValidBlobHash(hash) {
		return false, nil
	}
	_, err := os.Stat(b.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Blob opens the content with this hash. A missing blob is a domain
// ENotFound error.
func (b *Blobs) Blob(hash string) (io.ReadCloser, error) {
	if !app.ValidBlobHash(hash) {
		return nil, notFound("tệp", "blob")
	}
	f, err := os.Open(b.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("tệp", "blob")
	}
	return f, err
}

// Put stores content fetched from a peer under the hash it claims, after
// checking that the content has that hash.
func (b *Blobs) Put(hash string, r io.Reader, limit int64) error {
	st, err := b.Stage(r, limit)
	if err != nil {
		return err
	}
	if st.SHA256() != hash {
		st.Discard()
		return fmt.Errorf("blob %s: content hashes to %s", hash, st.SHA256())
	}
	return st.Commit()
}

// readErr marks errors that came from the upload, not from the disk.
type readErr struct{ err error }

type taggedReader struct{ r io.Reader }

func (t taggedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		err = readErr{err}
	}
	return n, err
}

func (e readErr) Error() string { return e.err.Error() }

// Stage writes r to a temporary file, at most limit bytes, hashing it on
// the way, and fsyncs it. Errors wrap app.ErrBlobTooLarge when r holds more
// than limit, app.ErrUploadBroken when reading r fails. Nothing is left
// behind on error.
func (b *Blobs) Stage(r io.Reader, limit int64) (app.StagedBlob, error) {
	f, err := os.CreateTemp(b.tmp, "up-*")
	if err != nil {
		return nil, fmt.Errorf("stage blob: %w", err)
	}
	h := sha256.New()
	st := &staged{b: b, f: f}
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(taggedReader{r}, limit+1))
	var re readErr
	switch {
	case errors.As(err, &re):
		err = fmt.Errorf("%w: %v", app.ErrUploadBroken, re.err)
	case err == nil && n > limit:
		err = fmt.Errorf("%w: more than %d bytes", app.ErrBlobTooLarge, limit)
	case err == nil:
		err = f.Sync()
	}
	if err != nil {
		st.Discard()
		if isDiskFull(err) {
			return nil, app.DiskFull(fmt.Errorf("stage blob: %w", err))
		}
		return nil, fmt.Errorf("stage blob: %w", err)
	}
	st.size = n
	st.sum = hex.EncodeToString(h.Sum(nil))
	return st, nil
}

type staged struct {
	b    *Blobs
	f    *os.File
	size int64
	sum  string
	done bool
}

func (s *staged) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }
func (s *staged) SHA256() string                          { return s.sum }
func (s *staged) Size() int64                             { return s.size }

// Commit renames the staged file into place, or drops it when the same
// content is there already.
func (s *staged) Commit() error {
	if s.done {
		return errors.New("blob already committed or discarded")
	}
	s.done = true
	tmp := s.f.Name()
	if err := s.f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	final := s.b.path(s.sum)
	if _, err := os.Stat(final); err == nil {
		return os.Remove(tmp) // deduplicated: the content is stored once
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// Discard removes the staged file.
func (s *staged) Discard() error {
	if s.done {
		return nil
	}
	s.done = true
	s.f.Close()
	return os.Remove(s.f.Name())
}

// syncDir makes a rename durable. Windows cannot fsync a folder; NTFS
// journals the rename itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
