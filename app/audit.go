package app

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"
)

// KindAudit records who did what to accounts and sessions: sign-ins,
// failed sign-ins, and admins' changes. It is a command like any other, so
// the record replicates to every PC and goes to the hub.
const KindAudit = "audit.record"

// Audit events.
const (
	AuditSignIn         = "signin"
	AuditSignInFailed   = "signin_failed"
	AuditSignInThrottle = "signin_throttled" // failures began to make sign-ins wait
	AuditUserCreate     = "user_create"
	AuditUserUpdate     = "user_update"
	AuditPasswordReset  = "password_reset"  // an admin set a user's password
	AuditPasswordChange = "password_change" // a user changed their own
	AuditClusterRemove  = "cluster_remove"
	AuditClusterRecover = "cluster_recover"
	AuditUpdateInstall  = "update_install" // the admin's "install now" (sync/update)
)

// AuditBody is one entry of the audit log.
type AuditBody struct {
	Event    string `json:"event"`
	Username string `json:"username,omitempty"` // the account concerned
	Addr     string `json:"addr,omitempty"`     // the client's address, for sign-ins
	Detail   string `json:"detail,omitempty"`   // what changed, in short
}

// Entity implements Body: the audit log is one entity, an append-only list.
func (b *AuditBody) Entity() string { return "audit" }

func (b *AuditBody) validate() error {
	if b.Event == "" {
		return errors.New("missing event")
	}
	return nil
}

// AuditEntry is an audit record as read back.
type AuditEntry struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Node     string    `json:"node"`
	Event    string    `json:"event"`
	Username string    `json:"username,omitempty"`
	Addr     string    `json:"addr,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// NewAuditEntry is the entry of an audit command.
func NewAuditEntry(c Command, b *AuditBody) AuditEntry {
	return AuditEntry{ID: c.ID, At: c.At.Time().In(vnZone), Actor: c.Actor, Node: c.Node, Event: b.Event,
		Username: b.Username, Addr: b.Addr, Detail: b.Detail}
}

// audit appends an audit record. A record that cannot be written is logged:
// the action it describes has happened (or, for a failed sign-in, was
// refused) either way.
func (s *Service) audit(ctx context.Context, actor string, b AuditBody) {
	if utf8.RuneCountInString(b.Username) > 64 {
		b.Username = string([]rune(b.Username)[:64])
	}
	b.Username = CleanText(b.Username)
	c, err := s.command("", KindAudit, actor, &b)
	if err == nil {
		err = s.append(context.WithoutCancel(ctx), c)
	}
	if err != nil {
		s.cfg.Logger.Error("audit record not written", "event", b.Event, "user", b.Username, "err", err)
	}
}

// RecordAdminAction puts an admin's action outside accounts (the cluster's
// remove and recover) in the audit log.
func (s *Service) RecordAdminAction(ctx context.Context, p Principal, event, detail string) {
	s.audit(ctx, p.Username, AuditBody{Event: event, Detail: CleanText(detail)})
}

// AuditLog lists the audit records, newest first (admin only): at most
// limit, before the cursor a previous page returned.
func (s *Service) AuditLog(p Principal, limit int, before string) ([]AuditEntry, string, error) {
	if !p.Has(RoleAdmin) {
		return nil, "", forbidden()
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	items, next, err := s.cfg.Reader.Audit(limit, before)
	if err != nil {
		return nil, "", Internal(err)
	}
	return items, next, nil
}
