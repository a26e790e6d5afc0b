package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
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
	Epoch    int       `json:"epoch,omitempty"` // the user's session epoch when signed in (User.SessionEpoch)
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

// Login checks a user name and password and opens a session. from is the
// client's address: failures slow down further attempts per user name and
// per address, and every sign-in and failure goes to the audit log.
func (s *Service) Login(ctx context.Context, from, username, password string) (string, Principal, error) {
	bad := Errorf(EBadCredentials, "", "Tên đăng nhập hoặc mật khẩu không đúng.", "wrong user name or password")
	name := strings.ToLower(strings.TrimSpace(username))
	userKey, addrKey := "user:"+name, "addr:"+from
	now := s.Now()
	if d := max(s.throttle.wait(userKey, now), s.throttle.wait(addrKey, now)); d > 0 {
		s.cfg.Logger.Warn("sign-in refused: too many failures", "user", name, "from", from, "wait", d)
		return "", Principal{}, tooMany(d)
	}
	u, err := s.cfg.Reader.User(name)
	if err != nil && ErrorCode(err) != ENotFound {
		return "", Principal{}, Internal(err)
	}
	hash := dummyHash // same work as a real check: no user enumeration by timing
	if err == nil {
		hash = u.PasswordHash
	}
	// Wait for a hashing slot, then look at the failures again: a burst of
	// parallel attempts queued here meanwhile is refused without hashing.
	if err := s.hashSlot(ctx); err != nil {
		return "", Principal{}, err
	}
	if d := max(s.throttle.wait(userKey, s.Now()), s.throttle.wait(addrKey, s.Now())); d > 0 {
		<-s.hashSlots
		return "", Principal{}, tooMany(d)
	}
	ok := s.cfg.Hasher.Verify(hash, password)
	<-s.hashSlots
	if !ok || err != nil || u.Disabled {
		uw := s.throttle.fail(userKey, now, userFreeFails, maxUserWait)
		aw := s.throttle.fail(addrKey, now, addrFreeFails, maxAddrWait)
		s.cfg.Logger.Warn("sign-in failed", "user", name, "from", from)
		detail := ""
		if u.Disabled && ok {
			detail = "disabled"
		}
		s.audit(ctx, "system", AuditBody{Event: AuditSignInFailed, Username: name, Addr: from, Detail: detail})
		if uw || aw {
			s.audit(ctx, "system", AuditBody{Event: AuditSignInThrottle, Username: name, Addr: from})
		}
		return "", Principal{}, bad
	}
	s.throttle.clear(userKey)
	token, err := s.openSession(u)
	if err != nil {
		return "", Principal{}, err
	}
	s.cfg.Logger.Info("signed in", "user", u.Username, "from", from)
	s.audit(ctx, u.Username, AuditBody{Event: AuditSignIn, Username: u.Username, Addr: from})
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
	if err != nil || u.Disabled || sess.Epoch != u.SessionEpoch {
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
	if !usernamePattern.MatchString(in.Username) {
		return User{}, Errorf(EInvalid, "username", "Tên đăng nhập gồm 3–32 ký tự thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới, bắt đầu bằng chữ cái.",
			"the user name must be 3–32 lower-case letters, digits, '.', '-' or '_', starting with a letter")
	}
	if e := checkPassword(in.Username, in.Password); e != nil {
		return User{}, e
	}
	if e := checkFullName(in.FullName); e != nil {
		return User{}, e
	}
	if e := checkRoles(in.Roles); e != nil {
		return User{}, e
	}
	if _, err := s.cfg.Reader.User(in.Username); err == nil {
		return User{}, Errorf(EConflict, "username", "Tên đăng nhập đã tồn tại.", "the user name is taken")
	} else if ErrorCode(err) != ENotFound {
		return User{}, Internal(err)
	}
	hash, err := s.hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	c, err := s.command("", KindUserCreate, p.Username, &UserBody{Username: in.Username, FullName: in.FullName,
		Roles: in.Roles, PasswordHash: hash})
	if err != nil {
		return User{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return User{}, err
	}
	s.audit(ctx, p.Username, AuditBody{Event: AuditUserCreate, Username: in.Username, Detail: rolesText(in.Roles)})
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
