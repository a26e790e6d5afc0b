package release

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"xaso/app"
	"xaso/sync/update"
)

// A repository on disk (docs/updates.md):
//
//	REPO/metadata/N.root.json, root.json   every root version, and the newest
//	REPO/metadata/N.targets.json           the targets role (the release key)
//	REPO/metadata/N.snapshot.json          the snapshot role
//	REPO/metadata/timestamp.json           the timestamp role
//	REPO/targets/DIR/SHA256.NAME           each target under its hash (consistent snapshots)
//	REPO/staged.json                       targets added and not signed yet
const stagedFile = "staged.json"

// Expiry of each role's metadata from its signing.
type Expiry struct {
	Root, Targets, Snapshot, Timestamp time.Duration
}

// DefaultExpiry: the offline root a year, the release key's targets three
// months, snapshot a month, timestamp a week (re-signed by `xaso release
// sign` with the timestamp key alone).
var DefaultExpiry = Expiry{Root: 365 * 24 * time.Hour, Targets: 90 * 24 * time.Hour,
	Snapshot: 30 * 24 * time.Hour, Timestamp: 7 * 24 * time.Hour}

// Repo is a repository folder.
type Repo struct {
	Dir    string
	Now    func() time.Time
	Expiry Expiry
}

func (r *Repo) now() time.Time {
	if r.Now == nil {
		return time.Now().UTC()
	}
	return r.Now().UTC()
}

func (r *Repo) meta(name string) string { return filepath.Join(r.Dir, "metadata", name) }

// InitOptions creates a repository: root keys and threshold, and one key
// per other role (the private keys: init signs every role's first version).
type InitOptions struct {
	RootKeys  []*Key
	Threshold int
	Targets   *Key
	Snapshot  *Key
	Timestamp *Key
}

// Init writes version 1 of every role into a new, empty folder.
func (r *Repo) Init(o InitOptions) error {
	if entries, err := os.ReadDir(r.Dir); err == nil && len(entries) > 0 {
		return app.Errorf(app.EConflict, "repo", "Thư mục %s không trống; kho cập nhật mới cần một thư mục trống.",
			"%s is not empty: a new repository needs an empty folder", r.Dir)
	}
	if len(o.RootKeys) == 0 || o.Targets == nil || o.Snapshot == nil || o.Timestamp == nil {
		return app.Errorf(app.EInvalid, "key", "Cần khoá gốc (--root-key) và khoá của targets, snapshot, timestamp.",
			"init needs --root-key and the targets, snapshot and timestamp keys")
	}
	if o.Threshold < 1 || o.Threshold > len(o.RootKeys) {
		return app.Errorf(app.EInvalid, "threshold", "Ngưỡng %d không hợp lệ: từ 1 đến số khoá gốc (%d).",
			"threshold %d is not valid: 1 to the number of root keys (%d)", o.Threshold, len(o.RootKeys))
	}
	for _, k := range append(slices.Clone(o.RootKeys), o.Targets, o.Snapshot, o.Timestamp) {
		if _, err := k.Signer(); err != nil { // init signs every role: nothing is written without every key
			return err
		}
	}
	now := r.now()
	root := metadata.Root(now.Add(r.expiry().Root))
	for _, k := range o.RootKeys {
		if err := root.Signed.AddKey(k.Pub, metadata.ROOT); err != nil {
			return err
		}
	}
	root.Signed.Roles[metadata.ROOT].Threshold = o.Threshold
	for role, k := range map[string]*Key{metadata.TARGETS: o.Targets, metadata.SNAPSHOT: o.Snapshot, metadata.TIMESTAMP: o.Timestamp} {
		if err := root.Signed.AddKey(k.Pub, role); err != nil {
			return err
		}
	}
	if err := signAll(root, o.RootKeys); err != nil {
		return err
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		return belowThreshold(metadata.ROOT, err)
	}
	for _, d := range []string{"metadata", "targets"} {
		if err := os.MkdirAll(filepath.Join(r.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := writeRoot(r, root); err != nil {
		return err
	}
	return r.Sign([]*Key{o.Targets, o.Snapshot, o.Timestamp})
}

func (r *Repo) expiry() Expiry {
	e := r.Expiry
	if e.Root == 0 {
		e.Root = DefaultExpiry.Root
	}
	if e.Targets == 0 {
		e.Targets = DefaultExpiry.Targets
	}
	if e.Snapshot == 0 {
		e.Snapshot = DefaultExpiry.Snapshot
	}
	if e.Timestamp == 0 {
		e.Timestamp = DefaultExpiry.Timestamp
	}
	return e
}

func writeRoot(r *Repo, root *metadata.Metadata[metadata.RootType]) error {
	b, err := root.ToBytes(true)
	if err != nil {
		return err
	}
	if err := update.WriteFileSync(r.meta(fmt.Sprintf("%d.root.json", root.Signed.Version)), b); err != nil {
		return err
	}
	return update.WriteFileSync(r.meta("root.json"), b)
}

// Root reads the newest root.
func (r *Repo) Root() (*metadata.Metadata[metadata.RootType], error) {
	root, err := metadata.Root().FromFile(r.meta("root.json"))
	if err != nil {
		return nil, notRepo(r.Dir, err)
	}
	return root, nil
}

func notRepo(dir string, err error) *app.Error {
	return app.Errorf(app.ENotFound, "repo", "%s không phải kho cập nhật (chạy `xaso release init` trước).",
		"%s is not an update repository (run `xaso release init` first)", dir).WithCause(err)
}

// latestTargets reads the newest signed targets; nil before the first.
func (r *Repo) latestTargets() (*metadata.Metadata[metadata.TargetsType], error) {
	ts, err := metadata.Timestamp().FromFile(r.meta("timestamp.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	snap, err := metadata.Snapshot().FromFile(r.meta(fmt.Sprintf("%d.snapshot.json", ts.Signed.Meta["snapshot.json"].Version)))
	if err != nil {
		return nil, err
	}
	return metadata.Targets().FromFile(r.meta(fmt.Sprintf("%d.targets.json", snap.Signed.Meta["targets.json"].Version)))
}

func (r *Repo) latestSnapshot() (*metadata.Metadata[metadata.SnapshotType], error) {
	ts, err := metadata.Timestamp().FromFile(r.meta("timestamp.json"))
	if err != nil {
		return nil, err
	}
	return metadata.Snapshot().FromFile(r.meta(fmt.Sprintf("%d.snapshot.json", ts.Signed.Meta["snapshot.json"].Version)))
}

// staged reads the targets added and not signed yet.
func (r *Repo) staged() ([]update.Target, error) {
	raw, err := os.ReadFile(filepath.Join(r.Dir, stagedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []update.Target
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", stagedFile, err)
	}
	return out, nil
}

// Sign signs a new version of each role one of keys belongs to: targets
// (with the staged targets), then snapshot, then timestamp. A new targets
// needs a new snapshot and a new snapshot a new timestamp, so their keys
// must be given too; the timestamp key alone re-signs the timestamp (its
// short expiry). Every role signed must reach its threshold.
func (r *Repo) Sign(keys []*Key) error {
	root, err := r.Root()
	if err != nil {
		return err
	}
	mine := func(role string) []*Key {
		var out []*Key
		for _, k := range keys {
			if slices.Contains(root.Signed.Roles[role].KeyIDs, k.ID) {
				out = append(out, k)
			}
		}
		return out
	}
	tk, sk, tsk := mine(metadata.TARGETS), mine(metadata.SNAPSHOT), mine(metadata.TIMESTAMP)
	for _, k := range keys {
		if !slices.ContainsFunc(append(append(slices.Clone(tk), sk...), tsk...), func(m *Key) bool { return m.ID == k.ID }) {
			return app.Errorf(app.EInvalid, "key", "Khoá %s (%s) không thuộc vai trò targets, snapshot hay timestamp của kho này.",
				"key %s (%s) belongs to no targets, snapshot or timestamp role of this repository", k.File, short(k.ID))
		}
	}
	staged, err := r.staged()
	if err != nil {
		return err
	}
	switch {
	case len(tk) == 0 && len(staged) > 0:
		return app.Errorf(app.EInvalid, "key", "Có %d tệp đã thêm chưa ký: cần khoá targets (khoá phát hành).",
			"%d added targets wait for signing: give the targets (release) key", len(staged))
	case len(tk) > 0 && len(sk) == 0, len(sk) > 0 && len(tsk) == 0:
		return app.Errorf(app.EInvalid, "key", "Ký targets cần ký lại snapshot và timestamp: cần cả khoá snapshot và timestamp.",
			"a new targets needs a new snapshot and timestamp: give their keys too")
	case len(tsk) == 0:
		return app.Errorf(app.EInvalid, "key", "Chưa có khoá nào để ký.", "no key to sign with")
	}
	now, exp := r.now(), r.expiry()
	prevSnap, err := r.latestSnapshot()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	snapVersion := int64(0)
	if prevSnap != nil {
		snapVersion = prevSnap.Signed.Version
	}
	if len(tk) > 0 {
		prev, err := r.latestTargets()
		if err != nil {
			return err
		}
		t := metadata.Targets(now.Add(exp.Targets))
		if prev != nil {
			t.Signed.Targets, t.Signed.Version = prev.Signed.Targets, prev.Signed.Version+1
		}
		for _, s := range staged {
			t.Signed.Targets[s.Path] = targetFile(s)
		}
		if err := signAll(t, tk); err != nil {
			return err
		}
		if err := root.VerifyDelegate(metadata.TARGETS, t); err != nil {
			return belowThreshold(metadata.TARGETS, err)
		}
		if err := writeMeta(r, fmt.Sprintf("%d.targets.json", t.Signed.Version), t); err != nil {
			return err
		}
		snap := metadata.Snapshot(now.Add(exp.Snapshot))
		snap.Signed.Version = snapVersion + 1
		snap.Signed.Meta["targets.json"] = metadata.MetaFile(t.Signed.Version)
		if err := signAll(snap, sk); err != nil {
			return err
		}
		if err := root.VerifyDelegate(metadata.SNAPSHOT, snap); err != nil {
			return belowThreshold(metadata.SNAPSHOT, err)
		}
		if err := writeMeta(r, fmt.Sprintf("%d.snapshot.json", snap.Signed.Version), snap); err != nil {
			return err
		}
		snapVersion = snap.Signed.Version
	}
	ts := metadata.Timestamp(now.Add(exp.Timestamp))
	if prev, err := metadata.Timestamp().FromFile(r.meta("timestamp.json")); err == nil {
		ts.Signed.Version = prev.Signed.Version + 1
	}
	ts.Signed.Meta["snapshot.json"] = metadata.MetaFile(snapVersion)
	if err := signAll(ts, tsk); err != nil {
		return err
	}
	if err := root.VerifyDelegate(metadata.TIMESTAMP, ts); err != nil {
		return belowThreshold(metadata.TIMESTAMP, err)
	}
	if err := writeMeta(r, "timestamp.json", ts); err != nil {
		return err
	}
	if len(tk) > 0 {
		if err := os.Remove(filepath.Join(r.Dir, stagedFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func targetFile(t update.Target) *metadata.TargetFiles {
	tf := metadata.TargetFile()
	tf.Path, tf.Length = t.Path, t.Length
	h, _ := hexBytes(t.SHA256)
	tf.Hashes = metadata.Hashes{"sha256": h}
	c, _ := json.Marshal(t.Custom)
	raw := json.RawMessage(c)
	tf.Custom = &raw
	return tf
}

func signAll[T metadata.Roles](m *metadata.Metadata[T], keys []*Key) error {
	m.ClearSignatures()
	for _, k := range keys {
		s, err := k.Signer()
		if err != nil {
			return err
		}
		if _, err := m.Sign(s); err != nil {
			return fmt.Errorf("sign with %s: %w", k.File, err)
		}
	}
	return nil
}

func writeMeta[T metadata.Roles](r *Repo, name string, m *metadata.Metadata[T]) error {
	b, err := m.ToBytes(true)
	if err != nil {
		return err
	}
	return update.WriteFileSync(r.meta(name), b)
}

func belowThreshold(role string, err error) *app.Error {
	return app.Errorf(update.EBadSignature, "key", "Chữ ký vai trò %s chưa đủ ngưỡng: cần thêm khoá của vai trò này.",
		"the %s role is not signed by enough of its keys: give more of them", role).WithCause(err)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Rotate replaces old with new in role and signs the next root with
// rootKeys: they must reach the threshold of the current root and, when
// the root role itself changes, of the new one (the PCs accept the new
// root only so). After rotating targets, snapshot or timestamp, sign with
// the new key.
func (r *Repo) Rotate(role string, old, new *Key, rootKeys []*Key) error {
	switch role {
	case metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP:
	default:
		return app.Errorf(app.EInvalid, "role", "Vai trò %q không có: root, targets, snapshot hoặc timestamp.",
			"no role %q: root, targets, snapshot or timestamp", role)
	}
	cur, err := r.Root()
	if err != nil {
		return err
	}
	if !slices.Contains(cur.Signed.Roles[role].KeyIDs, old.ID) {
		return app.Errorf(app.EInvalid, "old", "Khoá %s không thuộc vai trò %s.", "key %s is not a key of role %s", old.File, role)
	}
	next := metadata.Root(r.now().Add(r.expiry().Root))
	next.Signed = cur.Signed
	next.Signed.Keys = maps.Clone(cur.Signed.Keys)
	next.Signed.Roles = map[string]*metadata.Role{}
	for name, ro := range cur.Signed.Roles {
		c := *ro
		c.KeyIDs = slices.Clone(ro.KeyIDs)
		next.Signed.Roles[name] = &c
	}
	next.Signed.Version = cur.Signed.Version + 1
	next.Signed.Expires = r.now().Add(r.expiry().Root)
	if err := next.Signed.AddKey(new.Pub, role); err != nil {
		return err
	}
	if err := next.Signed.RevokeKey(old.ID, role); err != nil {
		return err
	}
	if err := signAll(next, rootKeys); err != nil {
		return err
	}
	if err := cur.VerifyDelegate(metadata.ROOT, next); err != nil {
		return belowThreshold("root (cũ / old)", err)
	}
	if err := next.VerifyDelegate(metadata.ROOT, next); err != nil {
		return belowThreshold("root (mới / new)", err)
	}
	return writeRoot(r, next)
}

// ParseDays reads a duration with a day unit as well ("90d", "36h").
func ParseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}
