package hub

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"xaso/app"
)

// Roles of the hub's users. RoleIT is provincial IT's: it enrols communes,
// revokes tokens, publishes, submits online dossiers and reads every
// commune. RoleViewer reads only (the dashboard, the drill-down). A user
// with neither is refused everything but signing out; an office's key is
// never a user: it signs the uplink's requests only.
const (
	RoleIT     = "admin"
	RoleViewer = "viewer"
)

// EnsureAdmin creates user admin with password on a hub that has none.
// It changes nothing on a hub that has one already.
func EnsureAdmin(st Storage, hasher app.PasswordHasher, password string) (created bool, err error) {
	if _, ok, err := st.User("admin"); err != nil || ok {
		return false, err
	}
	if len(password) < 8 {
		return false, app.Errorf(app.EWeakPassword, "XASO_HUB_ADMIN_PASSWORD",
			"Máy chủ tỉnh mới: cần đặt mật khẩu quản trị XASO_HUB_ADMIN_PASSWORD (tối thiểu 8 ký tự).",
			"new hub: set XASO_HUB_ADMIN_PASSWORD, at least 8 characters")
	}
	hash, err := hasher.Hash(password)
	if err != nil {
		return false, err
	}
	return true, st.PutUser(User{Username: "admin", PasswordHash: hash, Roles: []string{RoleIT}})
}

type authed func(w http.ResponseWriter, r *http.Request, u User)

var errUnauthorized = app.Errorf(app.EUnauthorized, "", "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
	"no valid session: sign in again")

var errForbidden = app.Errorf(app.EForbidden, "", "Tài khoản này không có quyền thực hiện thao tác này.",
	"this account's roles do not allow this")

// auth resolves the bearer token to a signed-in user who may read the
// province's figures (RoleIT or RoleViewer).
func (h *Hub) auth(next authed) http.HandlerFunc { return h.session(next, RoleIT, RoleViewer) }

// admin is auth for what changes the hub or a commune: RoleIT only.
func (h *Hub) admin(next authed) http.HandlerFunc { return h.session(next, RoleIT) }

// session resolves the bearer token to a signed-in user holding one of
// roles (none: any signed-in user).
func (h *Hub) session(next authed, roles ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		token = strings.TrimSpace(token)
		if token == "" {
			h.fail(w, r, errUnauthorized)
			return
		}
		s, ok, err := h.st.Session(hashText(token))
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		if !ok || !h.cfg.Now().Before(s.Expires) {
			h.fail(w, r, errUnauthorized)
			return
		}
		u, ok, err := h.st.User(s.Username)
		if err != nil || !ok {
			h.fail(w, r, errUnauthorized)
			return
		}
		if len(roles) > 0 && !slices.ContainsFunc(roles, func(role string) bool { return slices.Contains(u.Roles, role) }) {
			h.fail(w, r, errForbidden)
			return
		}
		next(w, r, u)
	}
}

type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (h *Hub) login(w http.ResponseWriter, r *http.Request) {
	var in loginInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	name := strings.TrimSpace(in.Username)
	// Failures count per user name and client address: whoever guesses
	// locks out his own address only, not the official elsewhere.
	key := name + "\x00" + h.clientAddr(r)
	if h.failures.blocked(key, h.cfg.Now()) {
		h.fail(w, r, app.Errorf(app.ETooMany, "", "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút.",
			"too many failed sign-ins: try again in 15 minutes"))
		return
	}
	u, ok, err := h.st.User(name)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	if !ok || !h.cfg.Hasher.Verify(u.PasswordHash, in.Password) {
		if ok { // only real accounts are counted: invented names cannot flood the table
			h.failures.add(key, h.cfg.Now())
		}
		h.fail(w, r, app.Errorf(app.EBadCredentials, "", "Tên đăng nhập hoặc mật khẩu không đúng.", "wrong user name or password"))
		return
	}
	token := app.RandomID() + app.RandomID()
	if err := h.st.PutSession(hashText(token), Session{Username: u.Username, Expires: h.cfg.Now().Add(h.cfg.SessionTTL)}); err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token,
		"user": map[string]any{"username": u.Username, "roles": u.Roles}})
}

func (h *Hub) logout(w http.ResponseWriter, r *http.Request, _ User) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := h.st.DeleteSession(hashText(strings.TrimSpace(token))); err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Sign-in failures: after maxFailures for one user name from one client
// address within failureWindow, its sign-ins from that address are
// refused until the window has passed.
const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
)

func newFailures() window { return window{max: maxFailures, span: failureWindow} }
