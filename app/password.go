package app

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password rules. A weak password is refused with EWeakPassword.
const (
	minPasswordRunes = 8
	maxPasswordBytes = 200
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the list shipped in the binary, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// checkPassword refuses a password that is too short or too long, equal to
// equal to the user name, one of the common passwords, one character repeated, or
// made only of spaces and control characters.
func checkPassword(username, password string) *Error {
	weak := func(vi, en string) *Error {
		return &Error{Code: EWeakPassword, Field: "password", Message: vi, English: en}
	}
	if len(password) > maxPasswordBytes {
		return Errorf(EInvalid, "password", "Mật khẩu quá dài (tối đa 200 byte).", "the password is too long (at most 200 bytes)")
	}
	if strings.TrimFunc(password, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) == "" {
		return weak("Mật khẩu không được chỉ gồm khoảng trắng hoặc ký tự điều khiển.",
			"the password must not be only spaces or control characters")
	}
	if utf8.RuneCountInString(password) < minPasswordRunes {
		return weak("Mật khẩu phải có từ 8 ký tự trở lên.", "the password must have at least 8 characters")
	}
	low := strings.ToLower(password)
	if username != "" && strings.EqualFold(strings.TrimSpace(password), username) {
		return weak("Mật khẩu không được trùng với tên đăng nhập.", "the password must not be the user name")
	}
	r, _ := utf8.DecodeRuneInString(password)
	if strings.Count(password, string(r)) == utf8.RuneCountInString(password) {
		return weak("Mật khẩu không được chỉ lặp lại một ký tự.", "the password must not repeat one character")
	}
	if commonPasswords[low] || commonPasswords[strings.TrimRight(low, "!.@#0123456789")] && len(strings.TrimRight(low, "!.@#0123456789")) >= 6 {
		return weak("Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác.",
			"this password is too common and easy to guess; choose another")
	}
	return nil
}
