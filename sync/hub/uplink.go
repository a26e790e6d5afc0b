package hub

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"xaso/app"
	"xaso/sync/update"
	"xaso/sync/uplink"
)

func (h *Hub) uplinkRoutes() {
	m := h.mux
	m.HandleFunc("POST "+uplink.PathEnrol, h.enrol)
	m.HandleFunc("GET "+uplink.PathNonce, h.nonce)
	m.HandleFunc("POST "+uplink.PathPush, h.signedBy(h.push))
	m.HandleFunc("GET "+uplink.PathPull, h.signedBy(h.pull))
	m.HandleFunc("GET "+uplink.PathLog, h.signedBy(h.logPage))
	m.HandleFunc("GET "+uplink.PathStatus, h.signedBy(h.status))
	m.HandleFunc("POST "+uplink.PathBlobsWant, h.signedBy(h.blobsWant))
	m.HandleFunc("PUT "+uplink.PathBlobs+"{hash}", h.signedBy(h.putBlob))
	m.HandleFunc("GET "+uplink.PathBlobs+"{hash}", h.signedBy(h.getBlob))
}

// signedReq is a request whose signature checked out.
type signedReq struct {
	inst Installation
	body []byte    // as sent (compressed)
	at   time.Time // the office's clock
}

type signedHandler func(w http.ResponseWriter, r *http.Request, s signedReq)

// signedBy checks that the request names an installation and one of its
// keys, reads the body (bounded), and checks that the key signed the request over a nonce this
// hub issued and nobody used yet. Every answer after a good signature
// carries the next nonce. An address whose signed requests keep being
// refused is held back (limits.go).
func (h *Hub) signedBy(next signedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		addr, now := h.clientAddr(r), h.cfg.Now()
		if h.limits.uplinkFail.blocked(addr, now) {
			h.holdBack(w, r, failSpan)
			return
		}
		refuse := func(err error) {
			h.limits.uplinkFail.add(addr, now)
			h.fail(w, r, err)
		}
		inst, ok, err := h.st.Installation(r.Header.Get(uplink.HeaderInstallation))
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		if !ok {
			refuse(app.Errorf(EUnknownInst, "", "Bản cài đặt này chưa đăng ký với máy chủ tỉnh.", "this installation is not enrolled at this hub"))
			return
		}
		key := r.Header.Get(uplink.HeaderKey)
		pub, _ := base64.StdEncoding.DecodeString(key)
		if slices.Contains(inst.Revoked, key) {
			refuse(app.Errorf(uplink.EKeyRevoked, "", "Khóa ký này đã bị thu hồi: bản cài đặt đã được thay thế (máy bị mất hoặc được dựng lại). Hãy xin bộ phận CNTT của tỉnh mã đăng ký mới.",
				"this signing key was revoked: the installation was replaced (a lost office, or a rebuild); ask provincial IT for a new token"))
			return
		}
		badSignature := app.Errorf(EBadSignature, "", "Chữ ký của lô dữ liệu không đúng với khóa của bản cài đặt.",
			"the batch is not signed by a key of the installation")
		if !slices.Contains(inst.Keys, key) {
			refuse(badSignature) // before the body is read: a stranger costs the hub no upload
			return
		}
		limit := int64(uplink.MaxWireBytes)
		if r.Method == http.MethodPut {
			limit = uplink.MaxBlobBytes
		}
		body, err := readLimited(w, r, limit)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !uplink.Verify(r, ed25519.PublicKey(pub), body) {
			refuse(badSignature)
			return
		}
		w.Header().Set(uplink.HeaderNonce, h.nonces.issue(now))
		if err := h.nonces.use(r.Header.Get(uplink.HeaderNonce), now); err != nil {
			if app.ErrorCode(err) == uplink.EReplayed {
				h.log.Warn("replayed uplink request refused", "installation", inst.ID, "addr", addr, "path", r.URL.Path)
				refuse(err)
			} else {
				h.fail(w, r, err) // a hub restart, or a slow office: not counted
			}
			return
		}
		at, _ := time.Parse(time.RFC3339Nano, r.Header.Get(uplink.HeaderTime))
		next(w, r, signedReq{inst: inst, body: body, at: at})
	}
}

// nonce is GET /api/v1/uplink/nonce: a fresh nonce in the X-Xaso-Nonce
// header (nothing is kept: see nonce.go), at most callsPerMinute an address.
func (h *Hub) nonce(w http.ResponseWriter, r *http.Request) {
	addr, now := h.clientAddr(r), h.cfg.Now()
	if h.limits.uplinkFail.blocked(addr, now) || !h.limits.calls.take(addr, now) {
		h.holdBack(w, r, time.Minute)
		return
	}
	w.Header().Set(uplink.HeaderNonce, h.nonces.issue(now))
	w.WriteHeader(http.StatusNoContent)
}

// writeZ writes v compressed.
func (h *Hub) writeZ(w http.ResponseWriter, r *http.Request, v any) {
	raw, err := uplink.Encode(v)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	w.Header().Set("Content-Type", uplink.ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw)
}

func (h *Hub) decodeBatch(body []byte, v any) error {
	err := uplink.Decode(body, v)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, uplink.ErrTooLarge):
		return app.Errorf(EBatchTooLarge, "", "Lô dữ liệu quá lớn khi giải nén (tối đa %d MiB).", "the batch is larger than %d MiB decompressed",
			uplink.MaxPlainBytes>>20)
	}
	return app.Errorf(EBatchBad, "", "Lô dữ liệu không đọc được (không phải JSON nén zstd đúng dạng).",
		"the batch is not well-formed zstd-compressed JSON").WithCause(err)
}

// checkCommands refuses a batch with a command that does not decode, that
// belongs to another commune, or of a kind only the province sends; nothing
// of the batch is kept then. It returns the commands to keep: the hub's own
// (IDs "hub.…", which an office sends back after it pulled them) are left
// out, as the hub made and holds every one of them — a forged one would
// otherwise take a down ID the hub has not issued yet, and the office's pull
// cursor with it.
func checkCommands(cmds []app.Command, inst Installation) ([]app.Command, error) {
	if len(cmds) > uplink.MaxBatchCommand {
		return nil, app.Errorf(EBatchTooLarge, "commands", "Lô dữ liệu có quá nhiều lệnh (tối đa %d).", "too many commands in a batch (at most %d)",
			uplink.MaxBatchCommand)
	}
	keep := cmds[:0:0]
	for i, c := range cmds {
		field := "commands." + strconv.Itoa(i)
		if err := c.Check(); err != nil {
			return nil, app.Errorf(ECommandBad, field, "Lệnh thứ %d không hợp lệ.", "command %d is not valid", i).WithCause(err)
		}
		if app.OfficeOnly(c) {
			// The office's signing key never leaves it: an office that sends
			// it is broken, and the hub must not hold it.
			return nil, app.Errorf(ECommandBad, field, "Lệnh thứ %d là khóa ký riêng của văn phòng, không bao giờ được gửi lên tỉnh.",
				"command %d is the office's own signing key, which never leaves the office", i)
		}
		if strings.HasPrefix(c.ID, "hub.") {
			continue
		}
		if k, ok := app.LookupKind(c.Kind); ok && k.FromHub && strings.HasPrefix(c.ID, update.CommandIDPrefix) {
			continue // a signed update target the office applied (sync/update): the repository here holds it
		}
		if k, ok := app.LookupKind(c.Kind); ok && k.FromHub {
			return nil, app.Errorf(ECommandBad, field, "Lệnh thứ %d (%s) chỉ do tỉnh gửi xuống, xã không gửi lên được.",
				"command %d (%s) is sent down by the province only", i, c.Kind)
		}
		keep = append(keep, c)
		body, err := c.Decode()
		if errors.Is(err, app.ErrUnknownKind) {
			continue // from a newer version: kept, applied once the hub upgrades
		}
		if err != nil {
			return nil, app.Errorf(ECommandBad, field, "Nội dung lệnh thứ %d (%s) không đọc được.", "command %d (%s) does not decode", i, c.Kind).WithCause(err)
		}
		commune := ""
		switch b := body.(type) {
		case *app.CommuneConfig:
			commune = b.Commune
		case *app.Installation:
			commune = b.Commune
			if len(b.LegacySeed) != 0 {
				return nil, app.Errorf(ECommandBad, field, "Lệnh thứ %d mang khóa bí mật của văn phòng; máy chủ tỉnh không nhận.",
					"command %d carries the office's private key; the hub does not take it", i)
			}
			if b.ID != inst.ID {
				return nil, app.Errorf(EWrongCommune, field, "Lệnh thứ %d mang danh tính của một bản cài đặt khác.",
					"command %d carries another installation's identity", i)
			}
		}
		if commune != "" && commune != inst.Commune {
			return nil, app.Errorf(EWrongCommune, field, "Lệnh thứ %d thuộc xã %s, không phải xã %s của bản cài đặt này.",
				"command %d is for commune %s, not this installation's %s", i, commune, inst.Commune)
		}
	}
	return keep, nil
}

// push is POST /api/v1/uplink/push: a batch of the office's commands. When
// it answers 200 every command is durable here; a batch refused keeps nothing.
func (h *Hub) push(w http.ResponseWriter, r *http.Request, s signedReq) {
	var req uplink.PushRequest
	if err := h.decodeBatch(s.body, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	sent := len(req.Commands)
	cmds, err := checkCommands(req.Commands, s.inst)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req.Commands = cmds
	code := s.inst.Commune
	defer h.communeLock(code)()
	cl, err := h.st.Commune(code)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	added, err := cl.Apply(r.Context(), req.Commands)
	if err != nil {
		h.fail(w, r, app.Internal(fmt.Errorf("commune %s: %w", code, err)))
		return
	}
	now := h.cfg.Now()
	info, _, err := h.st.CommuneInfo(code)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	info.Code, info.LastSeen, info.Version, info.Node = code, now, req.Version, req.Node
	info.Unsent = max(req.Unsent-sent, 0)
	if !s.at.IsZero() {
		info.SkewMS = s.at.Sub(now).Milliseconds()
	}
	if err := h.st.PutCommuneInfo(info); err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	h.writeZ(w, r, uplink.PushResponse{Accepted: added, Duplicates: sent - added, HubTime: now})
}

// touch records that the commune was seen (a pull).
func (h *Hub) touch(code string, at time.Time) {
	info, _, err := h.st.CommuneInfo(code)
	if err != nil {
		return
	}
	now := h.cfg.Now()
	info.Code, info.LastSeen = code, now
	if !at.IsZero() {
		info.SkewMS = at.Sub(now).Milliseconds()
	}
	_ = h.st.PutCommuneInfo(info)
}

func queryLimit(r *http.Request, def, max int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n < 1 {
		return def
	}
	return min(n, max)
}

// pull is GET /api/v1/uplink/pull?after=SEQ: the commune's down log.
func (h *Hub) pull(w http.ResponseWriter, r *http.Request, s signedReq) {
	after, err := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if err != nil && r.URL.Query().Get("after") != "" {
		h.fail(w, r, app.Errorf(app.EInvalid, "after", "Con trỏ after không hợp lệ.", "after must be a number"))
		return
	}
	cl, err := h.st.Commune(s.inst.Commune)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	cmds, more, err := cl.Down(after, queryLimit(r, 500, 2000))
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	h.touch(s.inst.Commune, s.at)
	h.writeZ(w, r, uplink.PullResponse{Commands: cmds, More: more, HubTime: h.cfg.Now()})
}

// logPage is GET /api/v1/uplink/log?after=ID: every command of the
// commune, to rebuild a lost office.
func (h *Hub) logPage(w http.ResponseWriter, r *http.Request, s signedReq) {
	cl, err := h.st.Commune(s.inst.Commune)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	limit := queryLimit(r, 1000, 5000)
	cmds, err := cl.After(r.URL.Query().Get("after"), limit)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	res := uplink.LogResponse{Commands: make([]app.Command, 0, len(cmds))}
	for _, c := range cmds {
		// Another installation of the commune keeps its key: its identity
		// never goes to this one.
		if c.Kind == app.KindInstallation {
			if b, err := c.Decode(); err == nil && b.(*app.Installation).ID != s.inst.ID {
				continue
			}
		}
		res.Commands = append(res.Commands, c)
	}
	if len(cmds) == limit {
		res.Next = cmds[len(cmds)-1].ID
	}
	h.writeZ(w, r, res)
}

// blobsWant is POST /api/v1/uplink/blobs/want: which of these scans the
// hub lacks.
func (h *Hub) blobsWant(w http.ResponseWriter, r *http.Request, s signedReq) {
	var req uplink.BlobsWant
	if err := h.decodeBatch(s.body, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	cl, err := h.st.Commune(s.inst.Commune)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	missing := []string{}
	for _, hash := range req.Hashes {
		if !app.ValidBlobHash(hash) {
			h.fail(w, r, app.Errorf(EBatchBad, "hashes", "Mã băm tệp không hợp lệ: %q.", "not a SHA-256 hash: %q", hash))
			return
		}
		ok, err := cl.HasBlob(hash)
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		if !ok {
			missing = append(missing, hash)
		}
	}
	h.writeZ(w, r, uplink.BlobsWant{Hashes: missing})
}

// putBlob is PUT /api/v1/uplink/blobs/{hash}: a scan, kept only if its
// content has that hash.
func (h *Hub) putBlob(w http.ResponseWriter, r *http.Request, s signedReq) {
	hash := r.PathValue("hash")
	if !app.ValidBlobHash(hash) {
		h.fail(w, r, app.Errorf(app.EInvalid, "hash", "Mã băm tệp không hợp lệ.", "not a SHA-256 hash"))
		return
	}
	cl, err := h.st.Commune(s.inst.Commune)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	if err := cl.PutBlob(hash, bytesReader(s.body), uplink.MaxBlobBytes); err != nil {
		h.fail(w, r, app.Errorf(EBatchBad, "hash", "Nội dung tệp không khớp mã băm.", "the content does not match its hash").WithCause(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Hub) getBlob(w http.ResponseWriter, r *http.Request, s signedReq) {
	cl, err := h.st.Commune(s.inst.Commune)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	f, err := cl.Blob(r.PathValue("hash"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = copyOut(w, f)
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func copyOut(w io.Writer, r io.Reader) (int64, error) { return io.Copy(w, r) }

// status is GET /api/v1/uplink/status: what the hub last heard from the
// office (for its PCs that do not lead it, to show in their status bar).
func (h *Hub) status(w http.ResponseWriter, r *http.Request, s signedReq) {
	info, _, err := h.st.CommuneInfo(s.inst.Commune)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	h.writeZ(w, r, uplink.StatusResponse{LastSync: info.LastSeen, Unsent: info.Unsent, HubTime: h.cfg.Now()})
}
