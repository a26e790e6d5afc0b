package hub

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"xaso/app"
	"xaso/sync/uplink"
)

var communePattern = regexp.MustCompile(`^[0-9]{5}$`)

func badCommune() error {
	return app.Errorf(app.EInvalid, "commune", "Mã đơn vị hành chính cấp xã phải gồm 5 chữ số (ví dụ 14701).",
		"the commune code must be 5 digits (e.g. 14701)")
}

// NewToken makes a single-use enrolment token for commune; replaces names
// an installation the token rebuilds (a replacement PC for a lost office),
// or is empty. It works on the storage alone, so `xaso hub enrol` works
// whether or not the hub is running.
func NewToken(st Storage, commune, replaces string, now time.Time, ttl time.Duration) (string, error) {
	if !communePattern.MatchString(commune) {
		return "", badCommune()
	}
	if ttl == 0 {
		ttl = 30 * 24 * time.Hour
	}
	if replaces != "" {
		in, ok, err := st.Installation(replaces)
		if err != nil {
			return "", app.Internal(err)
		}
		if !ok {
			return "", app.Errorf(app.ENotFound, "replaces", "Không có bản cài đặt %s trên máy chủ tỉnh.", "no installation %s on this hub", replaces)
		}
		if in.Commune != commune {
			return "", app.Errorf(EWrongCommune, "replaces", "Bản cài đặt %s thuộc xã %s, không phải xã %s.",
				"installation %s belongs to commune %s, not %s", replaces, in.Commune, commune)
		}
	}
	token := randomToken()
	t := Token{Hash: hashText(token), Commune: commune, Created: now, Expires: now.Add(ttl), Replaces: replaces}
	if err := st.PutToken(t); err != nil {
		return "", app.Internal(err)
	}
	if _, ok, err := st.CommuneInfo(commune); err == nil && !ok {
		if err := st.PutCommuneInfo(CommuneInfo{Code: commune}); err != nil {
			return "", app.Internal(err)
		}
	}
	return token, nil
}

type enrolmentInput struct {
	Replaces string `json:"replaces"`
}

// enrolment is POST /api/v1/communes/{code}/enrolments (IT): a new token.
func (h *Hub) enrolment(w http.ResponseWriter, r *http.Request, _ User) {
	var in enrolmentInput
	if r.ContentLength != 0 {
		if err := h.decode(w, r, &in); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	token, err := NewToken(h.st, r.PathValue("code"), in.Replaces, h.cfg.Now(), h.cfg.TokenTTL)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("enrolment token issued", "commune", r.PathValue("code"), "replaces", in.Replaces)
	writeJSON(w, http.StatusCreated, map[string]string{"token": token})
}

// enrol is POST /api/v1/uplink/enrol: an office's first contact binds the
// token to its key. A used token is answered again only for the key it
// bound (a retry whose answer was lost); anything else is refused and
// nothing is stored.
func (h *Hub) enrol(w http.ResponseWriter, r *http.Request) {
	addr, now := h.clientAddr(r), h.cfg.Now()
	if h.limits.enrolFail.blocked(addr, now) {
		h.holdBack(w, r, failSpan)
		return
	}
	if !h.limits.calls.take(addr, now) {
		h.holdBack(w, r, time.Minute)
		return
	}
	var in uplink.EnrolRequest
	if err := h.decode(w, r, &in); err != nil {
		h.limits.enrolFail.add(addr, now)
		h.fail(w, r, err)
		return
	}
	res, err := h.bind(in)
	if err != nil {
		if app.AsError(err).Code != app.EInternal {
			h.limits.enrolFail.add(addr, now)
		}
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *Hub) bind(in uplink.EnrolRequest) (uplink.EnrolResponse, error) {
	pub, err := base64.StdEncoding.DecodeString(in.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return uplink.EnrolResponse{}, app.Errorf(app.EInvalid, "public_key", "Khóa công khai của bản cài đặt không hợp lệ.",
			"the installation's public key is not a base64 Ed25519 key")
	}
	if in.Commune != "" && !communePattern.MatchString(in.Commune) {
		return uplink.EnrolResponse{}, badCommune()
	}
	h.enrMu.Lock()
	defer h.enrMu.Unlock()
	now := h.cfg.Now()
	t, ok, err := h.st.Token(hashText(in.Token))
	if err == nil && !ok && h.cfg.PendingDir != "" && h.importDue(now) {
		h.ImportPending() // a token `xaso hub enrol` wrote while the hub was running
		t, ok, err = h.st.Token(hashText(in.Token))
	}
	switch {
	case err != nil:
		return uplink.EnrolResponse{}, app.Internal(err)
	case !ok:
		return uplink.EnrolResponse{}, app.Errorf(ETokenUnknown, "token", "Mã đăng ký (XASO_ENROL_TOKEN) không đúng: hãy hỏi lại bộ phận CNTT của tỉnh.",
			"unknown enrolment token: ask provincial IT for a new one")
	case t.Revoked:
		return uplink.EnrolResponse{}, app.Errorf(ETokenRevoked, "token", "Mã đăng ký này đã bị thu hồi.", "this enrolment token was revoked")
	case t.UsedBy != "" && t.UsedKey != in.PublicKey:
		return uplink.EnrolResponse{}, app.Errorf(ETokenUsed, "token", "Mã đăng ký này đã được dùng cho một bản cài đặt khác; mỗi mã chỉ dùng một lần.",
			"this enrolment token was used by another installation; a token is single-use")
	case t.UsedBy == "" && !now.Before(t.Expires):
		return uplink.EnrolResponse{}, app.Errorf(ETokenExpired, "token", "Mã đăng ký đã hết hạn; hãy xin mã mới.", "the enrolment token expired; ask for a new one")
	case in.Commune != "" && in.Commune != t.Commune:
		return uplink.EnrolResponse{}, app.Errorf(EWrongCommune, "commune", "Mã đăng ký này cấp cho xã %s, không phải xã %s.",
			"this enrolment token is for commune %s, not %s", t.Commune, in.Commune)
	}
	res := uplink.EnrolResponse{Commune: t.Commune, Replacement: t.Replaces != "", HubTime: now}
	if t.UsedBy != "" { // the same key again: the answer was lost
		inst, _, err := h.st.Installation(t.UsedBy)
		if err != nil {
			return uplink.EnrolResponse{}, app.Internal(err)
		}
		res.Installation, res.Slots = t.UsedBy, inst.Slots
		return res, nil
	}
	// A new enrolment brings a key no installation holds or held: a
	// replacement with the old office's key would leave a stolen PC that
	// carries it signing, and one key serves one installation only.
	if owner, err := h.keyOwner(in.PublicKey); err != nil {
		return uplink.EnrolResponse{}, app.Internal(err)
	} else if owner != "" {
		return uplink.EnrolResponse{}, app.Errorf(uplink.EKeyReused, "public_key",
			"Khóa này đã (hoặc từng) thuộc một bản cài đặt; văn phòng phải tạo khóa mới cho lần đăng ký này.",
			"this key belongs or belonged to an installation; the office must make a new key for this enrolment")
	}
	var inst Installation
	if t.Replaces != "" {
		inst, ok, err = h.st.Installation(t.Replaces)
		if err != nil || !ok {
			return uplink.EnrolResponse{}, app.Internal(err)
		}
	} else {
		inst = Installation{ID: "i" + app.RandomID()[:16], Commune: t.Commune, Created: now}
		if inst.Slots, err = h.grantSlots(t.Commune, in.Held); err != nil {
			return uplink.EnrolResponse{}, app.Internal(err)
		}
	}
	res.Slots = inst.Slots
	if t.Replaces != "" {
		// The replaced office's keys are revoked: a lost or stolen PC of it
		// can no longer sign as the installation; only the new key can.
		for _, k := range inst.Keys {
			if k != in.PublicKey && !slices.Contains(inst.Revoked, k) {
				inst.Revoked = append(inst.Revoked, k)
			}
		}
		inst.Keys = nil
	}
	if slices.Contains(inst.Revoked, in.PublicKey) {
		return uplink.EnrolResponse{}, app.Errorf(uplink.EKeyRevoked, "public_key", "Khóa này đã bị thu hồi; văn phòng phải tạo khóa mới.",
			"this key was revoked; the office must make a new one")
	}
	if !slices.Contains(inst.Keys, in.PublicKey) {
		inst.Keys = append(inst.Keys, in.PublicKey)
	}
	if err := h.st.PutInstallation(inst); err != nil {
		return uplink.EnrolResponse{}, app.Internal(err)
	}
	t.UsedBy, t.UsedKey, t.UsedAt = inst.ID, in.PublicKey, now
	if err := h.st.PutToken(t); err != nil {
		return uplink.EnrolResponse{}, app.Internal(err)
	}
	h.log.Info("installation enrolled", "commune", t.Commune, "installation", inst.ID, "replacement", res.Replacement, "node", in.Node)
	res.Installation = inst.ID
	return res, nil
}

// keyOwner returns the installation that holds or held the public key
// pub (base64), or "". Enrolments are rare: every commune is looked at.
func (h *Hub) keyOwner(pub string) (string, error) {
	communes, err := h.st.CommuneInfos()
	if err != nil {
		return "", err
	}
	for _, c := range communes {
		insts, err := h.st.Installations(c.Code)
		if err != nil {
			return "", err
		}
		for _, in := range insts {
			if slices.Contains(in.Keys, pub) || slices.Contains(in.Revoked, pub) {
				return in.ID, nil
			}
		}
	}
	return "", nil
}

// WritePending keeps a token made by `xaso hub enrol` while the hub may be
// running (its storage is then locked): a file in dir that the hub takes
// in at start and when it meets a token it does not know.
func WritePending(dir, commune, replaces string, now time.Time, ttl time.Duration) (string, error) {
	if !communePattern.MatchString(commune) {
		return "", badCommune()
	}
	if ttl == 0 {
		ttl = 30 * 24 * time.Hour
	}
	token := randomToken()
	t := Token{Hash: hashText(token), Commune: commune, Created: now, Expires: now.Add(ttl), Replaces: replaces}
	raw, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("enrolment folder: %w", err)
	}
	tmp := filepath.Join(dir, t.Hash+".tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, filepath.Join(dir, t.Hash+".json")); err != nil {
		return "", err
	}
	return token, nil
}

// importDue reports whether an unknown token should make the hub look for
// tokens `xaso hub enrol` wrote: at most once a second, and only when the
// folder changed since the last look or a minute passed (a stream of
// invented tokens must not make the hub read the folder each time).
func (h *Hub) importDue(now time.Time) bool {
	h.importMu.Lock()
	defer h.importMu.Unlock()
	if now.Sub(h.importAt) < time.Second && !now.Before(h.importAt) {
		return false
	}
	var mod time.Time
	if fi, err := os.Stat(h.cfg.PendingDir); err == nil {
		mod = fi.ModTime()
	}
	if mod.Equal(h.importMod) && now.Sub(h.importAt) < time.Minute && !now.Before(h.importAt) {
		return false
	}
	h.importAt, h.importMod = now, mod
	return true
}

// ImportPending takes in the tokens `xaso hub enrol` wrote.
func (h *Hub) ImportPending() {
	h.importRuns.Add(1)
	files, _ := filepath.Glob(filepath.Join(h.cfg.PendingDir, "*.json"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var t Token
		if err := json.Unmarshal(raw, &t); err != nil || t.Hash == "" {
			h.log.Error("enrolment file unreadable", "file", f, "err", err)
			continue
		}
		if _, ok, err := h.st.Token(t.Hash); err == nil && !ok {
			if t.Replaces != "" {
				in, ok, err := h.st.Installation(t.Replaces)
				if err != nil || !ok || in.Commune != t.Commune {
					h.log.Error("enrolment file names an installation of another commune or none", "file", f, "replaces", t.Replaces)
					os.Remove(f)
					continue
				}
			}
			if err := h.st.PutToken(t); err != nil {
				h.log.Error("take in enrolment token", "err", err)
				continue
			}
			if _, ok, err := h.st.CommuneInfo(t.Commune); err == nil && !ok {
				_ = h.st.PutCommuneInfo(CommuneInfo{Code: t.Commune})
			}
		}
		os.Remove(f)
	}
}

// grantSlots picks a new installation's number slots: those its PCs hold
// already, then the lowest free ones, up to SlotsPerInstallation, never one
// granted to another installation of the commune. None may be left: the
// office then issues provisional codes only, until IT frees slots.
func (h *Hub) grantSlots(commune string, held []int) ([]int, error) {
	others, err := h.st.Installations(commune)
	if err != nil {
		return nil, err
	}
	taken := map[int]bool{}
	for _, o := range others {
		for _, s := range o.Slots {
			taken[s] = true
		}
	}
	var out []int
	for _, s := range held {
		if s >= 0 && s < app.SlotCount && !taken[s] && len(out) < uplink.SlotsPerInstallation {
			taken[s] = true
			out = append(out, s)
		}
	}
	for s := 0; s < app.SlotCount && len(out) < uplink.SlotsPerInstallation; s++ {
		if !taken[s] {
			taken[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, nil
}

type revokeInput struct {
	Token string `json:"token"`
}

// revoke is POST /api/v1/communes/{code}/enrolments/revoke (IT): a token
// not used yet can no longer enrol anyone (a token written down where it
// should not be). A token already used stays bound to its installation.
func (h *Hub) revoke(w http.ResponseWriter, r *http.Request, _ User) {
	var in revokeInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	h.enrMu.Lock()
	defer h.enrMu.Unlock()
	t, ok, err := h.st.Token(hashText(in.Token))
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	if !ok || t.Commune != r.PathValue("code") {
		h.fail(w, r, app.Errorf(app.ENotFound, "token", "Không có mã đăng ký này cho xã %s.", "no such enrolment token for commune %s", r.PathValue("code")))
		return
	}
	t.Revoked = true
	if err := h.st.PutToken(t); err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	h.log.Info("enrolment token revoked", "commune", t.Commune, "used", t.UsedBy != "")
	writeJSON(w, http.StatusOK, map[string]any{"revoked": true, "used_by": t.UsedBy})
}

// revokeInstallation is POST /api/v1/communes/{code}/installations/{id}/revoke
// (IT): every key of the installation is revoked (a lost or stolen office,
// or one a leaked token enrolled): its requests are refused with
// installation_key_revoked. What it sent stays; a token made with
// --replaces gives the installation a new key.
func (h *Hub) revokeInstallation(w http.ResponseWriter, r *http.Request, u User) {
	h.enrMu.Lock()
	defer h.enrMu.Unlock()
	inst, ok, err := h.st.Installation(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	if !ok || inst.Commune != r.PathValue("code") {
		h.fail(w, r, app.Errorf(app.ENotFound, "id", "Không có bản cài đặt %s của xã %s.", "no installation %s for commune %s",
			r.PathValue("id"), r.PathValue("code")))
		return
	}
	for _, k := range inst.Keys {
		if !slices.Contains(inst.Revoked, k) {
			inst.Revoked = append(inst.Revoked, k)
		}
	}
	inst.Keys = nil
	if err := h.st.PutInstallation(inst); err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	h.log.Warn("installation revoked", "commune", inst.Commune, "installation", inst.ID, "by", u.Username)
	writeJSON(w, http.StatusOK, map[string]any{"revoked": true, "installation": inst.ID, "keys_revoked": len(inst.Revoked)})
}
