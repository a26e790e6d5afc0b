package app

import (
	"errors"
	"fmt"
)

// Error codes are stable English identifiers that cross every boundary (the
// API's error.code). Messages are for people and are Vietnamese first.
const (
	EInvalid          = "invalid"                // generic bad input
	EBadCredentials   = "bad_credentials"        // wrong user name or password
	EUnauthorized     = "unauthorized"           // no or expired session
	EForbidden        = "forbidden"              // the role does not allow the action
	ENotFound         = "not_found"              // no such dossier, user, procedure
	ETransition       = "transition_not_allowed" // the action is not allowed in the current status
	EConflict         = "conflict"               // exists already, or concurrent change
	ETooLarge         = "too_large"              // request body too large
	EDataDirLocked    = "data_dir_locked"        // another xaso holds the data folder
	EInternal         = "internal"               // a bug or an I/O failure; details go to the log
	EUnavailable      = "unavailable"            // temporarily unable (shutting down, no numbers)
	EAlreadyApologize = "already_apologized"     // one apology per dossier

	// The store's health.
	EStoreDamaged = "store_damaged" // the data file is damaged: writes refused, `xaso doctor` repairs it
	EDiskFull     = "disk_full"     // no room left on the disk: nothing was written

	// Sign-in and accounts.
	EWeakPassword = "weak_password"          // too short, the user name, common, or blank
	ETooMany      = "too_many_attempts"      // too many failed sign-ins: wait, then try again
	EIdemReused   = "idempotency_key_reused" // an Idempotency-Key sent again with a different body
)

// Error is the domain error: a stable code, a Vietnamese message, an English
// message, and optionally the input field it is about.
type Error struct {
	Code    string
	Message string // Vietnamese, shown to the official
	English string // English, for the English UI and logs
	Field   string // dotted path of the input field, if any
	Err     error  // the underlying cause, never shown to users
	// Fields are every invalid field of the request, this error first, when
	// a request had several (DESIGN §8.1 error.fields); nil when it had one.
	Fields []*Error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.English != "" {
		s += ": " + e.English
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// WithCause returns a copy of e that carries cause, for the log and for
// errors.Is; the messages shown stay e's.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// Problems collects the invalid fields of one request, so the official
// sees every problem of a form at once instead of one per submit.
type Problems struct{ list []*Error }

// Add records err (a domain error) unless it is nil; a field already
// blamed keeps its first problem. An error that carries several problems
// (Fields) adds each of them.
func (p *Problems) Add(err error) {
	if err == nil {
		return
	}
	e := AsError(err)
	if len(e.Fields) > 0 {
		for _, f := range e.Fields {
			p.Add(f)
		}
		return
	}
	for _, o := range p.list {
		if e.Field != "" && o.Field == e.Field {
			return
		}
	}
	p.list = append(p.list, e)
}

// Err is nil when nothing was added; otherwise the first problem, which
// carries all of them in Fields when there are several.
func (p *Problems) Err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	}
	first := *p.list[0]
	first.Fields = append([]*Error(nil), p.list...)
	return &first
}

// Errorf builds a domain error with a Vietnamese and an English message.
func Errorf(code, field, vi, en string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(vi, args...), English: fmt.Sprintf(en, args...)}
}

// Internal wraps an unexpected failure; its cause is logged, never shown.
func Internal(err error) *Error {
	return &Error{Code: EInternal, Message: "Lỗi hệ thống, vui lòng thử lại hoặc báo quản trị viên.",
		English: "internal error, please retry or tell the administrator", Err: err}
}

// DiskFull is the error of a write refused for want of space (a full disk or
// quota); nothing was written.
func DiskFull(cause error) *Error {
	return &Error{Code: EDiskFull, Err: cause,
		Message: "Đĩa đầy: không còn chỗ để lưu, chưa ghi được gì. Hãy xoá bớt tệp không cần trên máy này rồi thử lại.",
		English: "disk full: no room left to save, nothing was written. Free some space on this PC and retry."}
}

// ErrorCode returns the code of err, or EInternal for errors that are not domain errors.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// AsError returns err as a domain error, wrapping unknown errors as internal ones.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
