package hub

import (
	"context"
	"io"
	"time"

	"xaso/app"
)

// Storage is what the hub keeps. The embedded implementation is bbolt
// (sync/hub/boltstore); a PostgreSQL one implements the same interface.
// Absent records are reported with ok false, never as errors.
type Storage interface {
	User(name string) (User, bool, error)
	PutUser(u User) error
	Session(hash string) (Session, bool, error)
	PutSession(hash string, s Session) error
	DeleteSession(hash string) error

	Token(hash string) (Token, bool, error)
	PutToken(t Token) error
	Installation(id string) (Installation, bool, error)
	PutInstallation(in Installation) error
	Installations(commune string) ([]Installation, error)

	CommuneInfo(code string) (CommuneInfo, bool, error)
	PutCommuneInfo(c CommuneInfo) error
	CommuneInfos() ([]CommuneInfo, error) // in code order

	// Commune opens (creating on first use) the commune's log and views.
	Commune(code string) (CommuneLog, error)
	Close() error
}

// CommuneLog is one commune's commands at the hub (all it sent up and all
// the hub sent down) and the views folded from them: the same fold as on
// the commune's PCs (store.Apply), so every figure equals the commune's.
type CommuneLog interface {
	// Apply keeps the commands not held yet, once each, and reports how many
	// were new. Calls for one commune are serialised by the hub.
	Apply(ctx context.Context, cmds []app.Command) (added int, err error)
	// Count is how many commands the hub holds for the commune.
	Count() int
	// After returns up to limit commands with IDs after after, in ID order.
	After(after string, limit int) ([]app.Command, error)
	// AppendDown numbers the next command of the down log, builds it with
	// make, keeps it in the down log and applies it to the views.
	AppendDown(ctx context.Context, make func(seq uint64) (app.Command, error)) (app.Command, error)
	// Down returns up to limit down commands after seq, and whether more follow.
	Down(after uint64, limit int) ([]app.Command, bool, error)

	Dossier(id string) (app.Dossier, error)
	Dossiers(q app.ListQuery) ([]app.Dossier, string, error)
	Counts(now time.Time) (app.Stats, error)
	// Digitising is the progress of the commune's old books, as folded.
	Digitising() (app.DigitiseProgress, error)
	Config() (app.CommuneConfig, bool, error)
	StateHash() (string, error)
	// What the province published to the commune, as folded (catalog
	// versions and calendars): online dossiers get the commune's rules.
	app.PublishedReader

	// Scans by SHA-256.
	HasBlob(hash string) (bool, error)
	PutBlob(hash string, r io.Reader, limit int64) error
	Blob(hash string) (io.ReadCloser, error)
}

// User is a provincial IT account.
type User struct {
	Username     string   `json:"username"`
	PasswordHash string   `json:"password_hash"`
	Roles        []string `json:"roles"`
}

// Session is a signed-in IT user.
type Session struct {
	Username string    `json:"username"`
	Expires  time.Time `json:"expires"`
}

// Token is an enrolment token, kept by the SHA-256 of its text.
type Token struct {
	Hash     string    `json:"hash"`
	Commune  string    `json:"commune"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	Replaces string    `json:"replaces,omitempty"` // an installation this token rebuilds
	Revoked  bool      `json:"revoked,omitempty"`
	// Once used: the installation and the key it bound (a retry of the same
	// enrolment with the same key is answered again; any other is refused).
	UsedBy  string    `json:"used_by,omitempty"`
	UsedKey string    `json:"used_key,omitempty"`
	UsedAt  time.Time `json:"used_at,omitzero"`
}

// Installation is a commune's office (its Raft cluster) known to the hub,
// with the public keys that may sign its batches.
type Installation struct {
	ID      string   `json:"id"`
	Commune string   `json:"commune"`
	Keys    []string `json:"keys"` // base64 Ed25519 public keys
	// Revoked: keys that signed for the installation before IT replaced it
	// (a lost or stolen office): refused with installation_key_revoked.
	Revoked []string  `json:"revoked,omitempty"`
	Slots   []int     `json:"slots"` // dossier-number slots granted (app.SlotCount in all per commune)
	Created time.Time `json:"created"`
}

// CommuneInfo is what the commune last reported about itself.
type CommuneInfo struct {
	Code     string    `json:"code"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	Version  string    `json:"version,omitempty"`
	Unsent   int       `json:"unsent"`
	SkewMS   int64     `json:"skew_ms"` // the office's clock minus the hub's
	Node     string    `json:"node,omitempty"`
}
