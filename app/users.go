package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	communePattern  = regexp.MustCompile(`^[0-9]{5}$`)
	usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)
)

// Session is a signed-in official on this PC.
type Session struct {
	Username string    `json:"username"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
}

// Principal is the official making a request.
type Principal struct {
	Username string
	FullName string
	Roles    []Role
}

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool { return HasRole(p.Roles, r) }

// HashToken returns the form of a session token kept on disk.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Login checks a user name and password and opens a session.
func (s *Service) Login(ctx context.Context, username, password string) (string, Principal, error) {
	bad := Errorf(EBadCredentials, "", "Tên đăng nhập hoặc mật khẩu không đúng.", "wrong user name or password")
	u, err := s.cfg.Reader.User(strings.ToLower(strings.TrimSpace(username)))
	if err != nil {
		if ErrorCode(err) == ENotFound {
			s.cfg.Hasher.Verify(dummyHash, password) // same work as a real check: no user enumeration by timing
			return "", Principal{}, bad
		}
		return "", Principal{}, Internal(err)
	}
	if !s.cfg.Hasher.Verify(u.PasswordHash, password) || u.Disabled {
		return "", Principal{}, bad
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Principal{}, Internal(err)
	}
	token := hex.EncodeToString(b[:])
	now := s.Now()
	if err := s.cfg.Sessions.PutSession(HashToken(token), Session{Username: u.Username, Created: now,
		Expires: now.Add(s.cfg.SessionTTL)}); err != nil {
		return "", Principal{}, Internal(err)
	}
	return token, Principal{Username: u.Username, FullName: u.FullName, Roles: u.Roles}, nil
}

// dummyHash is checked against when a user does not exist.
const dummyHash = "$argon2id$v=19$m=12288,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$Yk0Gx9w3gW1Ue0n8Jm9Q0f0s8a1Gm6l2cC9c1oV1m5Y"

// Authenticate returns the principal of a session token.
func (s *Service) Authenticate(token string) (Principal, error) {
	unauth := Errorf(EUnauthorized, "", "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.", "session expired, please sign in again")
	if token == "" {
		return Principal{}, unauth
	}
	sess, err := s.cfg.Sessions.Session(HashToken(token))
	if err != nil {
		if ErrorCode(err) == ENotFound {
			return Principal{}, unauth
		}
		return Principal{}, Internal(err)
	}
	if !s.Now().Before(sess.Expires) {
		return Principal{}, unauth
	}
	u, err := s.cfg.Reader.User(sess.Username)
	if err != nil || u.Disabled {
		return Principal{}, unauth
	}
	return Principal{Username: u.Username, FullName: u.FullName, Roles: u.Roles}, nil
}

// Logout ends a session.
func (s *Service) Logout(token string) error {
	if err := s.cfg.Sessions.DeleteSession(HashToken(token)); err != nil && ErrorCode(err) != ENotFound {
		return Internal(err)
	}
	return nil
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	FullName string `json:"full_name"`
	Roles    []Role `json:"roles"`
}

func forbidden() *Error {
	return Errorf(EForbidden, "", "Bạn không có quyền thực hiện thao tác này.", "your role does not allow this")
}

// CreateUser adds an official's account (admin only).
func (s *Service) CreateUser(ctx context.Context, p Principal, in NewUser) (User, error) {
	if !p.Has(RoleAdmin) {
		return User{}, forbidden()
	}
	in.Username = strings.TrimSpace(in.Username)
	in.FullName = strings.Join(strings.Fields(in.FullName), " ")
	switch {
	case !usernamePattern.MatchString(in.Username):
		return User{}, Errorf(EInvalid, "username", "Tên đăng nhập gồm 3–32 ký tự thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới, bắt đầu bằng chữ cái.",
			"the user name must be 3–32 lower-case letters, digits, '.', '-' or '_', starting with a letter")
	case utf8.RuneCountInString(in.Password) < 8 || len(in.Password) > 200:
		return User{}, Errorf(EInvalid, "password", "Mật khẩu phải có từ 8 ký tự trở lên.", "the password must have at least 8 characters")
	case in.FullName == "" || utf8.RuneCountInString(in.FullName) > 100 || !validName(in.FullName):
		return User{}, Errorf(EInvalid, "full_name", "Vui lòng nhập họ và tên hợp lệ của cán bộ.", "a valid full name is required")
	case len(in.Roles) == 0:
		return User{}, Errorf(EInvalid, "roles", "Cần chọn ít nhất một vai trò.", "at least one role is required")
	}
	seen := map[Role]bool{}
	for _, r := range in.Roles {
		if !r.Valid() || seen[r] {
			return User{}, Errorf(EInvalid, "roles", "Vai trò không hợp lệ: %q (admin, receiver, specialist, leader).",
				"unknown or repeated role %q (admin, receiver, specialist, leader)", string(r))
		}
		seen[r] = true
	}
	if _, err := s.cfg.Reader.User(in.Username); err == nil {
		return User{}, Errorf(EConflict, "username", "Tên đăng nhập đã tồn tại.", "the user name is taken")
	} else if ErrorCode(err) != ENotFound {
		return User{}, Internal(err)
	}
	hash, err := s.cfg.Hasher.Hash(in.Password)
	if err != nil {
		return User{}, Internal(err)
	}
	c, err := s.command("", KindUserCreate, p.Username, &UserBody{Username: in.Username, FullName: in.FullName,
		Roles: in.Roles, PasswordHash: hash})
	if err != nil {
		return User{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return User{}, err
	}
	return s.cfg.Reader.User(in.Username)
}

// Officials lists who can take a dossier over (specialists and leaders), for
// the forward picker; any signed-in official may read it. No password
// material leaves the store.
func (s *Service) Officials(p Principal) ([]Principal, error) {
	us, err := s.cfg.Reader.Users()
	if err != nil {
		return nil, Internal(err)
	}
	out := []Principal{}
	for _, u := range us {
		if u.CanHold() {
			out = append(out, Principal{Username: u.Username, FullName: u.FullName, Roles: u.Roles})
		}
	}
	return out, nil
}

// Users lists the accounts (admin only).
func (s *Service) Users(p Principal) ([]User, error) {
	if !p.Has(RoleAdmin) {
		return nil, forbidden()
	}
	return s.cfg.Reader.Users()
}
