// Package update is the commune side of updates pushed by provincial IT
// (DESIGN §6, docs/updates.md): metadata in The Update Framework's format,
// verified by go-tuf's client before a byte of a target is used; targets
// taken from a PC of the office that has them, else from the hub; data
// targets (the procedure catalog, the working calendar) applied as
// catalog.publish / calendar.publish commands; the binary staged, started,
// health-checked and rolled back by itself. sync/update/release is the
// repository side, for `xaso release`.
package update

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// Target kinds (the "kind" of a target's custom field).
const (
	KindBinary   = "binary"   // the xaso program for one OS/arch
	KindCatalog  = "catalog"  // a procedure catalog version (app.Catalog as JSON)
	KindCalendar = "calendar" // the working calendar of one year (app.CalendarBody as JSON)
)

// Custom is what a target's metadata says about it besides length and
// hashes (TUF's "custom" field), signed with the rest.
type Custom struct {
	Kind    string `json:"kind"`
	Version string `json:"version"`
	OS      string `json:"os,omitempty"`   // binary only: linux, windows
	Arch    string `json:"arch,omitempty"` // binary only: amd64
}

// Target is one signed target.
type Target struct {
	Path   string `json:"path"`
	Length int64  `json:"length"`
	SHA256 string `json:"sha256"`
	Custom
}

// TargetOf reads a target of the metadata.
func TargetOf(tf *metadata.TargetFiles) (Target, error) {
	t := Target{Path: tf.Path, Length: tf.Length}
	if h, ok := tf.Hashes["sha256"]; ok {
		t.SHA256 = hex.EncodeToString(h)
	}
	if t.SHA256 == "" {
		return t, fmt.Errorf("target %s: no sha256 hash", tf.Path)
	}
	if tf.Custom != nil {
		if err := json.Unmarshal(*tf.Custom, &t.Custom); err != nil {
			return t, fmt.Errorf("target %s: custom: %w", tf.Path, err)
		}
	}
	return t, nil
}

// Config sets up a Trust.
type Config struct {
	// Dir keeps the trusted metadata (Dir/metadata) and verified targets
	// (Dir/targets) between runs: the versions seen last are the floor
	// below which nothing is accepted again (rollback attacks).
	Dir string
	// Root is the root of trust installed with the data folder (or shipped
	// in the binary); once a newer root has been verified, Dir's wins.
	Root []byte
	// MetadataURL and TargetsURL: where the repository is, e.g.
	// HUB/api/v1/tuf/metadata/ and HUB/api/v1/tuf/targets/.
	MetadataURL, TargetsURL string
	// Fetcher downloads metadata and targets from the hub; nil: HTTP with
	// Client.
	Fetcher fetcher.Fetcher
	Client  *http.Client // nil: one with a 10-minute timeout
	Now     func() time.Time
}

// Trust refreshes and verifies the repository's metadata through go-tuf's
// updater and fetches verified targets. Safe for concurrent use (one
// refresh at a time).
type Trust struct {
	cfg Config
	mu  sync.Mutex
}

// NewTrust checks the configuration.
func NewTrust(cfg Config) (*Trust, error) {
	if cfg.Dir == "" || len(cfg.Root) == 0 || cfg.MetadataURL == "" {
		return nil, errors.New("update: dir, root and metadata URL are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Minute}
	}
	if cfg.TargetsURL == "" {
		cfg.TargetsURL = cfg.MetadataURL + "/../targets/"
	}
	return &Trust{cfg: cfg}, nil
}

// Release is the verified state of the repository after a refresh.
type Release struct {
	Root, Targets, Snapshot, Timestamp int64 // metadata versions
	Expires                            time.Time
	Items                              []Target // in path order

	up *updater.Updater
	hf *httpFetcher // nil with a Config.Fetcher
	t  *Trust
}

// Refresh downloads and verifies the top-level metadata (root →
// timestamp → snapshot → targets, every check of the TUF client workflow)
// and returns what it signs. Any refusal is returned as it is: nothing is
// trusted from a refresh that fails.
func (t *Trust) Refresh(ctx context.Context) (*Release, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	metaDir := filepath.Join(t.cfg.Dir, "metadata")
	root := t.cfg.Root
	if b, err := os.ReadFile(filepath.Join(metaDir, "root.json")); err == nil {
		root = b // the newest root verified so far
	}
	cfg, err := config.New(t.cfg.MetadataURL, root)
	if err != nil {
		return nil, err
	}
	cfg.LocalMetadataDir, cfg.LocalTargetsDir = metaDir, filepath.Join(t.cfg.Dir, "targets")
	cfg.RemoteTargetsURL = t.cfg.TargetsURL
	cfg.Fetcher = t.cfg.Fetcher
	var hf *httpFetcher
	if cfg.Fetcher == nil {
		hf = &httpFetcher{ctx: ctx, client: t.cfg.Client}
		cfg.Fetcher = hf
	}
	up, err := updater.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("update: trusted root: %w", err)
	}
	// The reference time of expiry checks is the node's clock (injected).
	up.UnsafeSetRefTime(t.cfg.Now().UTC())
	if err := up.Refresh(); err != nil {
		return nil, err
	}
	set := up.GetTrustedMetadataSet()
	r := &Release{Root: set.Root.Signed.Version, Targets: set.Targets[metadata.TARGETS].Signed.Version,
		Snapshot: set.Snapshot.Signed.Version, Timestamp: set.Timestamp.Signed.Version,
		Expires: set.Timestamp.Signed.Expires, up: up, hf: hf, t: t}
	for _, tf := range up.GetTopLevelTargets() {
		it, err := TargetOf(tf)
		if err != nil {
			return nil, err
		}
		r.Items = append(r.Items, it)
	}
	sort.Slice(r.Items, func(i, j int) bool { return r.Items[i].Path < r.Items[j].Path })
	return r, nil
}

// NoHub, last among a Fetch's sources, keeps it from downloading from
// the hub (a follower waits a while for a peer to have the target).
var noHub Source = peersOnly{}

type peersOnly struct{}

func (peersOnly) FetchTarget(context.Context, string, int64) ([]byte, error) {
	return nil, errNotOnPeers
}

var errNotOnPeers = errors.New("update: no PC of the office holds the target yet")

// Source gives a target's bytes by SHA-256 (a PC of the office that holds
// it): the caller verifies them.
type Source interface {
	FetchTarget(ctx context.Context, sha256 string, size int64) ([]byte, error)
}

// Origin says where a target's bytes came from.
type Origin string

// Origins.
const (
	FromCache Origin = "cache"
	FromPeer  Origin = "peer"
	FromHub   Origin = "hub"
)

// Fetch returns a target's bytes, verified against the signed length and
// hashes: from this PC's cache, else from the first source that gives
// verified bytes, else from the hub. The verified bytes are cached.
func (r *Release) Fetch(ctx context.Context, path string, sources ...Source) ([]byte, Origin, error) {
	r.t.mu.Lock()
	defer r.t.mu.Unlock()
	tf, err := r.up.GetTargetInfo(path)
	if err != nil {
		return nil, "", err
	}
	if _, b, err := r.up.FindCachedTarget(tf, ""); err == nil && b != nil {
		return b, FromCache, nil
	}
	it, err := TargetOf(tf)
	if err != nil {
		return nil, "", err
	}
	for _, s := range sources {
		b, err := s.FetchTarget(ctx, it.SHA256, it.Length)
		if err != nil || tf.VerifyLengthHashes(b) != nil {
			continue // a peer without it, or with bad bytes: the next, then the hub
		}
		if err := r.cache(tf, b); err != nil {
			return nil, "", err
		}
		return b, FromPeer, nil
	}
	if hubToo := len(sources) == 0 || sources[len(sources)-1] != noHub; !hubToo {
		return nil, "", errNotOnPeers
	}
	if r.hf != nil {
		r.hf.ctx = ctx // the refresh's context may have ended
	}
	_, b, err := r.up.DownloadTarget(tf, "", "")
	if err != nil {
		return nil, "", err
	}
	return b, FromHub, nil
}

// cache writes verified bytes where FindCachedTarget looks.
func (r *Release) cache(tf *metadata.TargetFiles, b []byte) error {
	dir := filepath.Join(r.t.cfg.Dir, "targets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return WriteFileSync(filepath.Join(dir, cachedName(tf.Path)), b)
}

// CachedPath is where a verified target's bytes lie once fetched.
func (t *Trust) CachedPath(path string) string {
	return filepath.Join(t.cfg.Dir, "targets", cachedName(path))
}

// cachedName is go-tuf's name of a cached target (generateTargetFilePath).
func cachedName(path string) string { return url.PathEscape(path) }

// httpFetcher downloads with a context and a size cap, answering the
// errors go-tuf's updater expects (a 404 ends the search for a newer root).
type httpFetcher struct {
	ctx    context.Context
	client *http.Client
}

func (f *httpFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := f.client.Do(req)
	if err != nil {
		return nil, &metadata.ErrDownload{Msg: err.Error()}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: res.StatusCode, URL: url}
	}
	if res.ContentLength > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: %d bytes, more than the %d signed", url, res.ContentLength, maxLength)}
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxLength+1))
	if err != nil {
		return nil, &metadata.ErrDownload{Msg: err.Error()}
	}
	if int64(len(b)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: more than the %d bytes signed", url, maxLength)}
	}
	return b, nil
}

// The hub's repository paths (sync/hub serves them).
const (
	HubMetadataPath = "/api/v1/tuf/metadata/"
	HubTargetsPath  = "/api/v1/tuf/targets/"
)

// HubURLs returns the metadata and targets URLs of a hub's repository.
func HubURLs(hub string) (metadataURL, targetsURL string) {
	hub = strings.TrimRight(hub, "/")
	return hub + HubMetadataPath, hub + HubTargetsPath
}

// BinaryPath is the target path of the program for one platform.
func BinaryPath(goos, arch string) string {
	name := "xaso"
	if goos == "windows" {
		name = "xaso.exe"
	}
	return "bin/" + goos + "-" + arch + "/" + name
}
