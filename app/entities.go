package app

import (
	"errors"
	"fmt"
	"time"
)

// CommuneConfig is the commune's identity: its administrative-unit code and
// the agency electronic ID code that prefixes dossier codes.
type CommuneConfig struct {
	Commune string `json:"commune"`
	Agency  string `json:"agency"`
	Name    string `json:"name,omitempty"`
	// Founder is the node ID of the office's founding PC, the one an
	// administrator set up as its first PC (app/founding.go). Set by that
	// PC's setup command only; a later configuration without it keeps it.
	Founder string `json:"founder,omitempty"`
}

// Entity implements Body.
func (b *CommuneConfig) Entity() string { return "commune" }

func (b *CommuneConfig) validate() error {
	if b.Commune == "" {
		return errors.New("missing commune")
	}
	return nil
}

// Apply folds a configuration command: the latest in entity order wins,
// except the founder, which the first configuration that names one sets
// for good (a PC set up alone, then merged, must not erase it).
func (b *CommuneConfig) Apply(c Command, body Body) {
	if n, ok := body.(*CommuneConfig); ok {
		founder := b.Founder
		*b = *n
		if founder != "" {
			b.Founder = founder
		}
	}
}

// ProvisionalAgency is used in dossier codes until the province sets the
// commune's agency code; it is plainly not a real one.
const ProvisionalAgency = "000.00.00.TAM"

// AgencyCode returns the agency code for dossier codes, or the provisional one.
func (b CommuneConfig) AgencyCode() string {
	if b.Agency == "" {
		return ProvisionalAgency
	}
	return b.Agency
}

// UserBody creates or updates a user. On update, empty fields keep their value.
type UserBody struct {
	Username     string `json:"username"`
	FullName     string `json:"full_name,omitempty"`
	Roles        []Role `json:"roles,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
	Disabled     *bool  `json:"disabled,omitempty"`
	EndSessions  bool   `json:"end_sessions,omitempty"` // sign the user out on every PC
}

// Entity implements Body.
func (b *UserBody) Entity() string { return "user/" + b.Username }

func (b *UserBody) validate() error {
	if b.Username == "" {
		return errors.New("missing username")
	}
	return nil
}

// User is an official's account.
type User struct {
	Username     string     `json:"username"`
	FullName     string     `json:"full_name"`
	Roles        []Role     `json:"roles"`
	PasswordHash string     `json:"password_hash"`
	Disabled     bool       `json:"disabled,omitempty"`
	SessionEpoch int        `json:"session_epoch,omitempty"` // raised to end every session of the user
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Conflicts    []Conflict `json:"conflicts,omitempty"`
}

// CanHold reports whether u may be given a dossier to process: an active
// (not disabled) specialist or leader.
func (u User) CanHold() bool {
	return !u.Disabled && (HasRole(u.Roles, RoleSpecialist) || HasRole(u.Roles, RoleLeader))
}

// Apply folds a user command.
func (u *User) Apply(c Command, body Body) {
	b, ok := body.(*UserBody)
	if !ok {
		return
	}
	at := c.At.Time().In(vnZone)
	switch c.Kind {
	case KindUserCreate:
		if u.Username != "" {
			u.Conflicts = append(u.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: "user_exists"})
			return
		}
		*u = User{Username: b.Username, FullName: b.FullName, Roles: b.Roles, PasswordHash: b.PasswordHash,
			CreatedAt: at, UpdatedAt: at}
	case KindUserUpdate:
		if u.Username == "" {
			u.Conflicts = append(u.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: "user_missing"})
			return
		}
		if b.FullName != "" {
			u.FullName = b.FullName
		}
		if b.Roles != nil {
			u.Roles = b.Roles
		}
		if b.PasswordHash != "" {
			u.PasswordHash = b.PasswordHash
		}
		if b.Disabled != nil {
			u.Disabled = *b.Disabled
		}
		if b.EndSessions {
			u.SessionEpoch++
		}
		u.UpdatedAt = at
	}
}

// Number slots: a node leases a slot through the cluster and then issues the
// daily running numbers of that slot on its own, offline too. Slot s covers
// the numbers s·1000 … s·1000+999 of every day (slot 0 starts at 1), so at
// most ten PCs of a commune hold a slot at once, and a PC alone for a week
// still issues final codes.
const (
	SlotCount   = 10
	SlotNumbers = 1000
)

// SlotRange returns the first and last daily number of slot s.
func SlotRange(s int) (first, last int) {
	first = s * SlotNumbers
	if first == 0 {
		first = 1
	}
	return first, s*SlotNumbers + SlotNumbers - 1
}

// SlotBody leases or releases a number slot for a node.
type SlotBody struct {
	Slot int    `json:"slot"`
	Node string `json:"node"`
}

// Entity implements Body.
func (b *SlotBody) Entity() string { return fmt.Sprintf("slot/%d", b.Slot) }

func (b *SlotBody) validate() error {
	if b.Slot < 0 || b.Slot >= SlotCount || b.Node == "" {
		return fmt.Errorf("bad slot %d for node %q", b.Slot, b.Node)
	}
	return nil
}

// SlotLease is the state of one slot.
type SlotLease struct {
	Slot      int        `json:"slot"`
	Holder    string     `json:"holder,omitempty"`
	Since     time.Time  `json:"since,omitzero"`
	Conflicts []Conflict `json:"conflicts,omitempty"`
	LastAt    HLC        `json:"last_at,omitempty"` // the latest command's reading: the next is stamped after it
}

// Apply folds a slot command.
func (s *SlotLease) Apply(c Command, body Body) {
	b, ok := body.(*SlotBody)
	if !ok {
		return
	}
	s.LastAt = max(s.LastAt, c.At)
	at := c.At.Time().In(vnZone)
	s.Slot = b.Slot
	switch c.Kind {
	case KindSlotLease:
		if s.Holder != "" && s.Holder != b.Node {
			s.Conflicts = append(s.Conflicts, Conflict{CommandID: c.ID, By: b.Node, At: at, Reason: "slot_held"})
			return
		}
		s.Holder, s.Since = b.Node, at
	case KindSlotRelease:
		if s.Holder == b.Node {
			s.Holder, s.Since = "", time.Time{}
		}
	}
}

// FormatCode builds a dossier code: <agency>-<YYMMDD>-<XXXX> (Circular 01/2018 art. 19).
func FormatCode(agency string, day time.Time, n int) string {
	return fmt.Sprintf("%s-%s-%04d", agency, day.In(vnZone).Format("060102"), n)
}
