package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Account management: an admin changes a user's roles, name or
// state and resets passwords; every official changes their own password.
// Each change is a user.update command and an audit record.

// UserPatch is the input to UpdateUser; nil fields keep their value.
type UserPatch struct {
	Roles    *[]Role `json:"roles"`
	Disabled *bool   `json:"disabled"`
	FullName *string `json:"full_name"`
}

func checkFullName(name string) *Error {
	if name == "" || utf8.RuneCountInString(name) > 100 || !validName(name) {
		return Errorf(EInvalid, "full_name", "Vui lòng nhập họ và tên hợp lệ của cán bộ.", "a valid full name is required")
	}
	return nil
}

func checkRoles(roles []Role) *Error {
	if len(roles) == 0 {
		return Errorf(EInvalid, "roles", "Cần chọn ít nhất một vai trò.", "at least one role is required")
	}
	seen := map[Role]bool{}
	for _, r := range roles {
		if !r.Valid() || seen[r] {
			return Errorf(EInvalid, "roles", "Vai trò không hợp lệ: %q (admin, receiver, specialist, leader).",
				"unknown or repeated role %q (admin, receiver, specialist, leader)", string(r))
		}
		seen[r] = true
	}
	return nil
}

func rolesText(roles []Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return "roles=" + strings.Join(parts, ",")
}

// account returns the user an admin names, or not_found.
func (s *Service) account(username string) (User, error) {
	u, err := s.cfg.Reader.User(strings.ToLower(strings.TrimSpace(username)))
	if ErrorCode(err) == ENotFound {
		return User{}, Errorf(ENotFound, "", "Không có tài khoản này.", "no such user")
	}
	if err != nil {
		return User{}, Internal(err)
	}
	return u, nil
}

// lastAdmin reports whether u is the only enabled admin left.
func (s *Service) lastAdmin(u User) (bool, error) {
	if u.Disabled || !HasRole(u.Roles, RoleAdmin) {
		return false, nil
	}
	us, err := s.cfg.Reader.Users()
	if err != nil {
		return false, Internal(err)
	}
	for _, o := range us {
		if o.Username != u.Username && !o.Disabled && HasRole(o.Roles, RoleAdmin) {
			return false, nil
		}
	}
	return true, nil
}

// UpdateUser changes a user's roles, full name or disabled state (admin
// only). Disabling ends the user's sessions on every PC. The last enabled
// admin can be neither disabled nor demoted: nobody could manage accounts.
func (s *Service) UpdateUser(ctx context.Context, p Principal, username string, in UserPatch) (User, error) {
	if !p.Has(RoleAdmin) {
		return User{}, forbidden()
	}
	u, err := s.account(username)
	if err != nil {
		return User{}, err
	}
	b := &UserBody{Username: u.Username}
	var what []string
	if in.FullName != nil {
		name := strings.Join(strings.Fields(CleanText(*in.FullName)), " ")
		if e := checkFullName(name); e != nil {
			return User{}, e
		}
		b.FullName = name
		what = append(what, "full_name")
	}
	if in.Roles != nil {
		if e := checkRoles(*in.Roles); e != nil {
			return User{}, e
		}
		b.Roles = *in.Roles
		what = append(what, rolesText(*in.Roles))
	}
	if in.Disabled != nil {
		b.Disabled = in.Disabled
		b.EndSessions = *in.Disabled
		what = append(what, fmt.Sprintf("disabled=%t", *in.Disabled))
	}
	if len(what) == 0 {
		return User{}, Errorf(EInvalid, "", "Không có thay đổi nào.", "nothing to change")
	}
	demoted := (in.Roles != nil && !HasRole(*in.Roles, RoleAdmin)) || (in.Disabled != nil && *in.Disabled)
	if last, err := s.lastAdmin(u); err != nil {
		return User{}, err
	} else if last && demoted {
		return User{}, Errorf(EConflict, "", "Đây là quản trị viên cuối cùng: không thể khóa hoặc bỏ quyền quản trị.",
			"this is the last admin: it cannot be disabled or lose the admin role")
	}
	if err := s.updateUser(ctx, p.Username, b); err != nil {
		return User{}, err
	}
	s.audit(ctx, p.Username, AuditBody{Event: AuditUserUpdate, Username: u.Username, Detail: strings.Join(what, " ")})
	return s.cfg.Reader.User(u.Username)
}

func (s *Service) updateUser(ctx context.Context, actor string, b *UserBody) error {
	c, err := s.command("", KindUserUpdate, actor, b)
	if err != nil {
		return err
	}
	return s.append(ctx, c)
}

// ResetPassword sets a user's password (admin only) and ends the user's
// sessions on every PC.
func (s *Service) ResetPassword(ctx context.Context, p Principal, username, password string) error {
	if !p.Has(RoleAdmin) {
		return forbidden()
	}
	u, err := s.account(username)
	if err != nil {
		return err
	}
	if e := checkPassword(u.Username, password); e != nil {
		return e
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.updateUser(ctx, p.Username, &UserBody{Username: u.Username, PasswordHash: hash, EndSessions: true}); err != nil {
		return err
	}
	s.audit(ctx, p.Username, AuditBody{Event: AuditPasswordReset, Username: u.Username})
	return nil
}

// ChangePassword changes the signed-in official's own password after
// checking the old one. Every session of theirs ends, on every PC; the
// returned token is a new session for the one who asked.
func (s *Service) ChangePassword(ctx context.Context, p Principal, from, oldPassword, password string) (string, error) {
	u, err := s.account(p.Username)
	if err != nil {
		return "", err
	}
	key := "user:" + u.Username
	if d := s.throttle.wait(key, s.Now()); d > 0 {
		return "", tooMany(d)
	}
	ok, err := s.verify(ctx, u.PasswordHash, oldPassword)
	if err != nil {
		return "", err
	}
	if !ok {
		s.throttle.fail(key, s.Now(), userFreeFails, maxUserWait)
		return "", Errorf(EInvalid, "old_password", "Mật khẩu hiện tại không đúng.", "the current password is wrong")
	}
	if e := checkPassword(u.Username, password); e != nil {
		return "", e
	}
	if password == oldPassword {
		return "", Errorf(EWeakPassword, "password", "Mật khẩu mới phải khác mật khẩu cũ.", "the new password must differ from the old one")
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return "", err
	}
	if err := s.updateUser(ctx, u.Username, &UserBody{Username: u.Username, PasswordHash: hash, EndSessions: true}); err != nil {
		return "", err
	}
	s.audit(ctx, u.Username, AuditBody{Event: AuditPasswordChange, Username: u.Username, Addr: from})
	u, err = s.cfg.Reader.User(u.Username)
	if err != nil {
		return "", Internal(err)
	}
	return s.openSession(u)
}

// openSession stores a new session of u on this PC and returns its token.
func (s *Service) openSession(u User) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Internal(err)
	}
	token := hex.EncodeToString(b[:])
	now := s.Now()
	if err := s.cfg.Sessions.PutSession(HashToken(token), Session{Username: u.Username, Created: now,
		Expires: now.Add(s.cfg.SessionTTL), Epoch: u.SessionEpoch}); err != nil {
		return "", Internal(err)
	}
	return token, nil
}
