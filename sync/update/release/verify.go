package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"xaso/app"
	"xaso/sync/update"
)

// VerifyOptions checks a repository (a folder, or a hub's URL) as a PC
// would: from a trusted root, through go-tuf's client.
type VerifyOptions struct {
	Root []byte // the trusted root (root.json as shipped to the PCs)
	// State keeps what was seen between checks (a PC's memory): a later
	// check refuses older versions. Empty: a fresh check.
	State string
	Hub   string // the hub's base URL instead of the folder
	Now   func() time.Time
}

// Verify refreshes the repository's metadata and returns what it signs.
func (r *Repo) Verify(ctx context.Context, o VerifyOptions) (*update.Release, error) {
	state := o.State
	if state == "" {
		tmp, err := os.MkdirTemp("", "xaso-verify-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		state = tmp
	}
	cfg := update.Config{Dir: state, Root: o.Root, Now: o.Now}
	if o.Hub != "" {
		cfg.MetadataURL, cfg.TargetsURL = update.HubURLs(o.Hub)
	} else {
		cfg.MetadataURL, cfg.TargetsURL = "repo:/metadata/", "repo:/targets/"
		cfg.Fetcher = dirFetcher{r.Dir}
	}
	t, err := update.NewTrust(cfg)
	if err != nil {
		return nil, err
	}
	rel, err := t.Refresh(ctx)
	if err != nil {
		return nil, update.Explain(err)
	}
	return rel, nil
}

// CheckFile checks a downloaded file against a target of rel: its length
// and SHA-256 as signed.
func CheckFile(rel *update.Release, target, file string) error {
	var it *update.Target
	for i := range rel.Items {
		if rel.Items[i].Path == target {
			it = &rel.Items[i]
		}
	}
	if it == nil {
		return app.Errorf(app.ENotFound, "target", "Kho không có tệp %q.", "the repository has no target %q", target)
	}
	f, err := os.Open(file)
	if err != nil {
		return app.Errorf(app.EInvalid, "file", "Không đọc được tệp %s.", "cannot read %s", file).WithCause(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, it.Length+1))
	if err != nil {
		return err
	}
	switch {
	case n > it.Length:
		return update.Explain(&metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: more than the %d bytes signed", file, it.Length)})
	case n != it.Length || hex.EncodeToString(h.Sum(nil)) != it.SHA256:
		return update.Explain(&metadata.ErrLengthOrHashMismatch{Msg: fmt.Sprintf("%s does not match %s", file, target)})
	}
	return nil
}

// dirFetcher reads "repo:/…" from a repository folder, answering 404 for
// a file that is not there (the end of the root versions).
type dirFetcher struct{ dir string }

func (d dirFetcher) DownloadFile(u string, maxLength int64, _ time.Duration) ([]byte, error) {
	rel, ok := strings.CutPrefix(u, "repo:/")
	if !ok || strings.Contains(rel, "..") {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: 404, URL: u}
	}
	f, err := os.Open(filepath.Join(d.dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: 404, URL: u}
	}
	if err != nil {
		return nil, &metadata.ErrDownload{Msg: err.Error()}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLength+1))
	if err != nil {
		return nil, &metadata.ErrDownload{Msg: err.Error()}
	}
	if int64(len(b)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: more than %d bytes", u, maxLength)}
	}
	return b, nil
}
