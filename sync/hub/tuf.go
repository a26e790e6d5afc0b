package hub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"xaso/app"
	"xaso/sync/update"
)

// The hub serves provincial IT's update repository (DESIGN §6,
// docs/updates.md): the signed metadata and the targets, as `xaso release
// publish` uploads them. The hub holds no key that the PCs trust for
// targets: they verify everything from the root they were installed with,
// so a hub that is broken into can withhold an update, never forge one.
//
//	GET /api/v1/tuf/metadata/{N.root|N.targets|N.snapshot|timestamp}.json   (no auth)
//	GET /api/v1/tuf/targets/{dir/…/SHA256.name}                             (no auth)
//	PUT the same paths (provincial IT): a versioned file is written once, a
//	target only under its own SHA-256.

// Limits of an upload.
const (
	maxMetadataBytes = 5 << 20
	maxTargetBytes   = 512 << 20
)

var (
	metadataName = regexp.MustCompile(`^(?:[1-9][0-9]{0,9}\.(?:root|targets|snapshot)|timestamp)\.json$`)
	targetPart   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	hashedName   = regexp.MustCompile(`^([0-9a-f]{64})\.[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

func (h *Hub) tufRoutes() {
	m := h.mux
	m.HandleFunc("GET "+update.HubMetadataPath+"{name}", h.tufGet(h.metadataFile))
	m.HandleFunc("GET "+update.HubTargetsPath+"{path...}", h.tufGet(h.targetFile))
	m.HandleFunc("PUT "+update.HubMetadataPath+"{name}", h.admin(h.putMetadata))
	m.HandleFunc("PUT "+update.HubTargetsPath+"{path...}", h.admin(h.putTarget))
}

var errNoRepo = app.Errorf(app.ENotFound, "", "Máy chủ tỉnh chưa có kho cập nhật.", "this hub serves no update repository")

func badUpdatePath() *app.Error {
	return app.Errorf(app.ENotFound, "", "Không có tệp cập nhật này.", "no such update file")
}

// metadataFile maps a request to a metadata file.
func (h *Hub) metadataFile(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if h.cfg.TUFDir == "" {
		return "", errNoRepo
	}
	if !metadataName.MatchString(name) {
		return "", badUpdatePath()
	}
	return filepath.Join(h.cfg.TUFDir, "metadata", name), nil
}

// targetFile maps a request to a target file.
func (h *Hub) targetFile(r *http.Request) (string, error) {
	p := r.PathValue("path")
	if h.cfg.TUFDir == "" {
		return "", errNoRepo
	}
	parts := strings.Split(p, "/")
	for _, s := range parts {
		if !targetPart.MatchString(s) || s == "." || s == ".." {
			return "", badUpdatePath()
		}
	}
	if !hashedName.MatchString(parts[len(parts)-1]) {
		return "", badUpdatePath()
	}
	return filepath.Join(h.cfg.TUFDir, "targets", filepath.FromSlash(path.Join(parts...))), nil
}

func (h *Hub) tufGet(file func(*http.Request) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := file(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			h.fail(w, r, badUpdatePath())
			return
		}
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		if strings.HasPrefix(r.URL.Path, update.HubTargetsPath) && r.Method == http.MethodGet {
			h.served.Add(st.Size())
		}
		http.ServeContent(w, r, "", st.ModTime(), f)
	}
}

// readUpload reads a PUT body up to limit.
func readUpload(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, app.Errorf(app.EInvalid, "", "Không đọc được tệp gửi lên.", "the upload could not be read").WithCause(err)
	}
	if int64(len(b)) > limit {
		return nil, app.Errorf(app.ETooLarge, "", "Tệp gửi lên quá lớn.", "the upload is too large")
	}
	return b, nil
}

func (h *Hub) putMetadata(w http.ResponseWriter, r *http.Request, u User) {
	p, err := h.metadataFile(r)
	if err == nil {
		err = h.keep(r, p, maxMetadataBytes, func(b []byte) error { return checkMetadata(r.PathValue("name"), b) },
			r.PathValue("name") != "timestamp.json")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("update metadata published", "file", r.PathValue("name"), "by", u.Username)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Hub) putTarget(w http.ResponseWriter, r *http.Request, u User) {
	p, err := h.targetFile(r)
	if err == nil {
		want := hashedName.FindStringSubmatch(path.Base(r.PathValue("path")))[1]
		err = h.keep(r, p, maxTargetBytes, func(b []byte) error {
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != want {
				return app.Errorf(app.EInvalid, "", "Nội dung tệp không khớp mã SHA-256 trong tên.", "the file's SHA-256 is not the one in its name")
			}
			return nil
		}, true)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("update target published", "file", r.PathValue("path"), "by", u.Username)
	w.WriteHeader(http.StatusNoContent)
}

// keep checks an upload and writes it; a file written once keeps its
// content (the same bytes again are fine) unless mutable.
func (h *Hub) keep(r *http.Request, p string, limit int64, check func([]byte) error, once bool) error {
	b, err := readUpload(r, limit)
	if err != nil {
		return err
	}
	if err := check(b); err != nil {
		return err
	}
	h.tufMu.Lock()
	defer h.tufMu.Unlock()
	if old, err := os.ReadFile(p); err == nil && once {
		if !bytes.Equal(old, b) {
			return app.Errorf(app.EConflict, "", "Tệp này đã được đưa lên với nội dung khác; phiên bản đã phát hành không đổi.",
				"this file was published with other content: a published version never changes")
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return app.Internal(err)
	}
	if err := update.WriteFileSync(p, b); err != nil {
		return app.Internal(err)
	}
	return nil
}

// checkMetadata refuses a file that is not TUF metadata of the role its
// name says. (Signatures are the PCs' business: they trust the root they
// were installed with, not the hub.)
func checkMetadata(name string, b []byte) error {
	var err error
	switch {
	case strings.HasSuffix(name, ".root.json"):
		_, err = metadata.Root().FromBytes(b)
	case strings.HasSuffix(name, ".targets.json"):
		_, err = metadata.Targets().FromBytes(b)
	case strings.HasSuffix(name, ".snapshot.json"):
		_, err = metadata.Snapshot().FromBytes(b)
	default:
		_, err = metadata.Timestamp().FromBytes(b)
	}
	if err != nil {
		return app.Errorf(app.EInvalid, "", "Tệp %s không phải siêu dữ liệu TUF của vai trò này.", "%s is not TUF metadata of its role", name).WithCause(err)
	}
	return nil
}
