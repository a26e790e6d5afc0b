package release

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"xaso/app"
	"xaso/sync/update"
)

// Publish uploads the repository to a hub signed in as user: the targets
// the hub lacks first, then the metadata, every root version in order and
// the timestamp last, so that a PC never sees metadata naming a file the
// hub does not have yet.
func (r *Repo) Publish(ctx context.Context, hub, user, password string, out io.Writer) error {
	if _, err := r.Root(); err != nil {
		return err
	}
	if password == "" {
		return app.Errorf(app.EInvalid, "password", "Cần mật khẩu của tài khoản tỉnh trong biến môi trường XASO_HUB_PASSWORD.",
			"set the hub account's password in XASO_HUB_PASSWORD")
	}
	hub = strings.TrimRight(hub, "/")
	c := &http.Client{Timeout: 30 * time.Minute}
	token, err := signIn(ctx, c, hub, user, password)
	if err != nil {
		return err
	}
	sent, kept := 0, 0
	tdir := filepath.Join(r.Dir, "targets")
	err = filepath.WalkDir(tdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(tdir, p)
		if err != nil {
			return err
		}
		u := hub + update.HubTargetsPath + filepath.ToSlash(rel)
		if res, err := do(ctx, c, http.MethodHead, u, token, nil); err == nil && res == http.StatusOK {
			kept++
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := do(ctx, c, http.MethodPut, u, token, b); err != nil {
			return err
		}
		sent++
		return nil
	})
	if err != nil {
		return err
	}
	names, err := metadataOrder(filepath.Join(r.Dir, "metadata"))
	if err != nil {
		return err
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(r.Dir, "metadata", n))
		if err != nil {
			return err
		}
		if _, err := do(ctx, c, http.MethodPut, hub+update.HubMetadataPath+n, token, b); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Đã đưa lên máy chủ tỉnh / published to %s: %d tệp mới / new targets (%d đã có / already there), %d siêu dữ liệu / metadata files\n",
		hub, sent, kept, len(names))
	return nil
}

var versioned = regexp.MustCompile(`^(\d+)\.(root|targets|snapshot)\.json$`)

// metadataOrder lists the metadata files to upload: roots by version,
// then targets, snapshots, and timestamp.json last (root.json, the newest
// root's copy, is not needed by the PCs: they walk N.root.json).
func metadataOrder(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	rank := map[string]int{"root": 0, "targets": 1, "snapshot": 2}
	type f struct {
		name       string
		role, vers int
	}
	var fs []f
	for _, e := range entries {
		m := versioned.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		fs = append(fs, f{e.Name(), rank[m[2]], v})
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].role != fs[j].role {
			return fs[i].role < fs[j].role
		}
		return fs[i].vers < fs[j].vers
	})
	out := make([]string, 0, len(fs)+1)
	for _, x := range fs {
		out = append(out, x.name)
	}
	return append(out, "timestamp.json"), nil
}

func signIn(ctx context.Context, c *http.Client, hub, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub+"/api/v1/sessions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return "", unreachable(hub, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		return "", hubError(res)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("sign-in answer: %w", err)
	}
	return out.Token, nil
}

func do(ctx context.Context, c *http.Client, method, u, token string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := c.Do(req)
	if err != nil {
		return 0, unreachable(u, err)
	}
	defer res.Body.Close()
	if method == http.MethodHead {
		return res.StatusCode, nil
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, hubError(res)
	}
	return res.StatusCode, nil
}

func unreachable(u string, err error) error {
	return app.Errorf(update.EUnreachable, "hub", "Không kết nối được máy chủ tỉnh (%s).", "cannot reach the hub (%s)", u).WithCause(err)
}

// hubError reads the hub's coded error.
func hubError(res *http.Response) error {
	var e struct {
		Error app.Error `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
		return &e.Error
	}
	return fmt.Errorf("hub answered %s: %s", res.Status, bytes.TrimSpace(b))
}
