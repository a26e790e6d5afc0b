package hub

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"xaso/app"
)

// RoleIT is provincial IT's role: it enrols communes, publishes and reads
// every commune.
const RoleIT = "admin"

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

// auth resolves the bearer token to a signed-in IT user.
func (h *Hub) auth(next authed) http.HandlerFunc {
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
	if h.failures.blocked(name, h.cfg.Now()) {
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
			h.failures.add(name, h.cfg.Now())
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

// Sign-in failures: after maxFailures for one user name within
// failureWindow, its sign-ins are refused until the window has passed.
const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
)

type failures struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func (f *failures) recent(name string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range f.at[name] {
		if now.Sub(t) < failureWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		delete(f.at, name)
	} else {
		f.at[name] = keep
	}
	return keep
}

func (f *failures) blocked(name string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(name, now)) >= maxFailures
}

func (f *failures) add(name string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at == nil {
		f.at = map[string][]time.Time{}
	}
	if len(f.at) > 10000 { // bounded: forget the names whose failures have all expired
		for n := range f.at {
			f.recent(n, now) // drops n when none is recent
		}
	}
	f.at[name] = append(f.recent(name, now), now)
}
