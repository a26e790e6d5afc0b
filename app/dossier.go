package app

import (
	"errors"
	"strings"
	"time"
)

// Channel is how a dossier reached the commune (national KenhThucHien).
type Channel string

const (
	ChannelInPerson Channel = "in_person"
	ChannelOnline   Channel = "online"
	ChannelPost     Channel = "post"
)

// Applicant is the citizen a dossier belongs to.
type Applicant struct {
	FullName    string `json:"full_name"`
	IDNumber    string `json:"id_number"`
	DateOfBirth string `json:"date_of_birth,omitempty"` // YYYY-MM-DD
	Phone       string `json:"phone,omitempty"`
	Email       string `json:"email,omitempty"`
	Address     string `json:"address,omitempty"`
}

// Document is a paper the citizen handed in.
type Document struct {
	Name string `json:"name"`
	// NameEn is the paper's name in English, carried by the catalog for the
	// English UI; forms print Name (docs/legal-rules.md: forms stay Vietnamese).
	NameEn string `json:"name_en,omitempty"`
	Copies int    `json:"copies"`
	Form   string `json:"form,omitempty"` // "original", "copy" or "certified_copy" (form 01's column; app/documents.go)
}

// ProcedureRef records the procedure a dossier was received under, as it was
// then: catalog version and deadline rule travel with the dossier.
type ProcedureRef struct {
	Code    string       `json:"code"`
	Name    string       `json:"name"`
	Version string       `json:"version"`
	Rule    DeadlineRule `json:"rule"`
	// Register is the civil-status register a resolved dossier is entered in, if any.
	Register RegisterKind `json:"register,omitempty"`
}

// Event is one row of a dossier's history.
type Event struct {
	Action Action    `json:"action"`
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Note   string    `json:"note,omitempty"`
	DueAt  time.Time `json:"due_at,omitzero"`
	ID     string    `json:"command_id"`
	// Warning flags a step taken outside the law's time (WarnSupplementLate).
	Warning        string `json:"warning,omitempty"`
	ExtensionHours int    `json:"extension_hours,omitempty"` // receive, extend: the statutory extension chosen
	Holder         string `json:"holder,omitempty"`          // forward, hand_over: to whom (form 06)
}

// Conflict is an action the fold could not take: two officials acted on the
// same dossier while their PCs were apart. It is kept for a person to resolve.
type Conflict struct {
	CommandID string    `json:"command_id"`
	Action    Action    `json:"action"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Reason    string    `json:"reason"`
}

// Dossier is the state of one dossier: the fold of its commands.
type Dossier struct {
	ID          string       `json:"id"` // the ID of the command that created it
	Code        string       `json:"code"`
	Provisional bool         `json:"provisional,omitempty"`
	Procedure   ProcedureRef `json:"procedure"`
	Channel     Channel      `json:"channel"`
	Status      Status       `json:"status"`
	Applicant   Applicant    `json:"applicant"`
	Documents   []Document   `json:"documents"`
	Note        string       `json:"note,omitempty"`
	ReceivedAt  time.Time    `json:"received_at"`
	EnteredAt   time.Time    `json:"entered_at"`
	DueAt       time.Time    `json:"due_at"`
	ReceivedBy  string       `json:"received_by"`
	Holder      string       `json:"holder,omitempty"` // who has it now ("mine")
	PausedAt    time.Time    `json:"paused_at,omitzero"`
	ResolvedAt  time.Time    `json:"resolved_at,omitzero"`
	ClosedAt    time.Time    `json:"closed_at,omitzero"`
	Apologized  bool         `json:"apologized,omitempty"`
	History     []Event      `json:"history"`
	Conflicts   []Conflict   `json:"conflicts,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"` // scanned documents (app/attach.go)
	Rating      *Rating      `json:"rating,omitempty"`      // the citizen's rating (app/rating.go)
	LastAt      HLC          `json:"last_at,omitempty"`     // the latest command's reading: the next is stamped after it
	IdemSum     string       `json:"idem_sum,omitempty"`    // hash of the request of its Idempotency-Key (app/dossiers.go)

	// ExtensionHours is the statutory extension chosen (app/extension.go), in working hours.
	ExtensionHours int `json:"extension_hours,omitempty"`

	// Facts are the civil-status facts the desk collected, to be registered
	// on resolution; RegisterEntry is the entry made then (app/registry.go).
	Facts         *Facts    `json:"facts,omitempty"`
	RegisterEntry *EntryRef `json:"register_entry,omitempty"`
}

// ReceiveBody creates a dossier (dossier.receive at the desk, dossier.submit online).
type ReceiveBody struct {
	DossierID  string       `json:"dossier_id"`
	Code       string       `json:"code"`
	Slot       int          `json:"slot"`
	Seq        int          `json:"seq"`
	Procedure  ProcedureRef `json:"procedure"`
	Channel    Channel      `json:"channel"`
	Applicant  Applicant    `json:"applicant"`
	Documents  []Document   `json:"documents"`
	Note       string       `json:"note,omitempty"`
	ReceivedAt time.Time    `json:"received_at"`
	DueAt      time.Time    `json:"due_at"`
	Idem       string       `json:"idem,omitempty"`     // hash of (official, Idempotency-Key): one dossier per key
	IdemSum    string       `json:"idem_sum,omitempty"` // hash of the request the key came with
	// ExtensionHours is the statutory extension chosen at receipt (in DueAt already).
	ExtensionHours int `json:"extension_hours,omitempty"`
	// Facts: the civil-status facts to register on resolution.
	Facts *Facts `json:"facts,omitempty"`
}

// Entity implements Body.
func (b *ReceiveBody) Entity() string { return "dossier/" + b.DossierID }

func (b *ReceiveBody) validate() error {
	if b.DossierID == "" || b.Procedure.Code == "" || b.ReceivedAt.IsZero() {
		return errors.New("missing dossier_id, procedure or received_at")
	}
	return nil
}

// ActBody is a lifecycle action on a dossier.
type ActBody struct {
	DossierID string    `json:"dossier_id"`
	Action    Action    `json:"action"`
	Note      string    `json:"note,omitempty"`
	DueAt     time.Time `json:"due_at,omitzero"` // the new due date, when the action moves it
	Holder    string    `json:"holder,omitempty"`
	Code      string    `json:"code,omitempty"` // recode, and receive of an online dossier: the new code, from a slot this node holds
	Slot      int       `json:"slot,omitempty"`
	Seq       int       `json:"seq,omitempty"`
	Warning   string    `json:"warning,omitempty"` // kept on the history row (Event.Warning)
	// Entry: resolve, the register entry made with it (app/registry.go).
	Entry *EntryRef `json:"entry,omitempty"`
	// ExtensionHours: extend, the statutory extension chosen (DueAt is the new due date).
	ExtensionHours int `json:"extension_hours,omitempty"`
}

// Entity implements Body.
func (b *ActBody) Entity() string { return "dossier/" + b.DossierID }

func (b *ActBody) validate() error {
	if b.DossierID == "" || b.Action == "" {
		return errors.New("missing dossier_id or action")
	}
	return nil
}

// Apply folds one command into the dossier. Commands must come in the
// entity's order (Command.Before). It reads no clock: every time it records
// comes from the command. An action the state does not allow is kept as a
// conflict; the state does not change.
func (d *Dossier) Apply(c Command, body Body) {
	defer func() { d.LastAt = max(d.LastAt, c.At) }()
	at := c.At.Time().In(vnZone)
	switch b := body.(type) {
	case *ReceiveBody:
		if d.ID != "" {
			d.conflict(c, ActReceive, at, "dossier_exists")
			return
		}
		status, action := StatusReceived, ActReceive
		if c.Kind == KindDossierSubmit {
			status, action = StatusSubmitted, ActSubmit
		}
		*d = Dossier{
			ID: b.DossierID, Code: b.Code, Provisional: b.Slot < 0, Procedure: b.Procedure,
			Channel: b.Channel, Status: status, Applicant: b.Applicant, Documents: b.Documents,
			Note: b.Note, ReceivedAt: b.ReceivedAt.In(vnZone), EnteredAt: at, DueAt: b.DueAt.In(vnZone),
			ReceivedBy: c.Actor, Holder: c.Actor, ExtensionHours: b.ExtensionHours, IdemSum: b.IdemSum, Facts: b.Facts,
			Conflicts: d.Conflicts, // actions that came before their dossier stay on record
		}
		if d.Documents == nil {
			d.Documents = []Document{}
		}
		d.History = []Event{{Action: action, To: status, At: d.ReceivedAt, By: c.Actor, Note: b.Note,
			DueAt: d.DueAt, ID: c.ID, ExtensionHours: b.ExtensionHours}}
	case *ActBody:
		if d.ID == "" {
			d.conflict(c, b.Action, at, "dossier_not_received")
			return
		}
		if b.Action == ActRecode {
			if b.Code == "" {
				d.conflict(c, b.Action, at, "recode_without_code")
				return
			}
			d.History = append(d.History, Event{Action: ActRecode, From: d.Status, To: d.Status, At: at, By: c.Actor,
				Note: d.Code + " → " + b.Code + ". " + b.Note, ID: c.ID})
			d.Code, d.Provisional = b.Code, false
			return
		}
		if b.Action == ActExtend {
			d.applyExtend(c, b, at)
			return
		}
		if b.Action == ActReassign {
			d.applyReassign(c, b, at) // app/holder.go
			return
		}
		to, why := d.Next(b.Action)
		if why != "" {
			d.conflict(c, b.Action, at, why)
			return
		}
		if b.Action == ActApologize {
			d.Apologized = true
		}
		from, note := d.Status, b.Note
		d.Status = to
		if !b.DueAt.IsZero() {
			d.DueAt = b.DueAt.In(vnZone)
		}
		switch b.Action {
		case ActRequestSupplement:
			d.PausedAt = at
		case ActSupplement:
			d.PausedAt = time.Time{}
		case ActResolve:
			d.ResolvedAt = at
			if b.Entry != nil {
				d.RegisterEntry = b.Entry
			}
		case ActForward, ActHandOver:
			d.Holder = b.Holder
		case ActReceive: // an online dossier: the official who received it has it, under the office's own code
			if b.Holder != "" {
				d.Holder = b.Holder
			}
			if b.Code != "" {
				note = d.Code + " → " + b.Code + "." + strings.TrimSuffix(" "+note, " ")
				d.Code, d.Provisional = b.Code, false
			}
		}
		if to.Terminal() {
			d.ClosedAt = at
			d.Holder = ""
		}
		ev := Event{Action: b.Action, From: from, To: to, At: at, By: c.Actor, Note: note, ID: c.ID, Warning: b.Warning}
		if b.Action != ActReceive { // the history says to whom a dossier was forwarded, not who received it
			ev.Holder = b.Holder
		}
		if !b.DueAt.IsZero() {
			ev.DueAt = d.DueAt
		}
		d.History = append(d.History, ev)
	case *AttachBody:
		d.applyAttach(c, b, at)
	case *RateBody:
		d.applyRate(c, b, at)
	}
}

// Next returns the status action a leads to from d's state, or why a
// cannot be taken (the reason Apply records for the conflict): the
// lifecycle has no such step from d's status, or a is a second apology
// (a dossier is apologised for once).
func (d *Dossier) Next(a Action) (to Status, why string) {
	to, ok := Next(d.Status, a)
	switch {
	case !ok:
		return "", string(a) + " not allowed in " + string(d.Status)
	case a == ActApologize && d.Apologized:
		return "", "already_apologized"
	}
	return to, ""
}

func (d *Dossier) conflict(c Command, a Action, at time.Time, reason string) {
	d.Conflicts = append(d.Conflicts, Conflict{CommandID: c.ID, Action: a, By: c.Actor, At: at, Reason: reason})
}

// Overdue reports whether the dossier has missed its due date at now: still
// open past its due date, or its result was ready only after it. Derived, not a status.
func (d *Dossier) Overdue(now time.Time) bool {
	switch {
	case d.ID == "" || d.DueAt.IsZero():
		return false
	case !d.ResolvedAt.IsZero():
		return d.ResolvedAt.After(d.DueAt)
	case d.Status.Terminal():
		return false
	case d.Status == StatusSupplementRequested:
		// Paused: the clock does not run while the citizen completes the
		// file; but a dossier already late when the request went out stays
		// late (issue 14, point 9).
		return !d.PausedAt.IsZero() && d.PausedAt.After(d.DueAt)
	}
	return now.After(d.DueAt)
}

// Timing classifies a processed dossier as the Decision 766 report does.
type Timing string

const (
	TimingEarly  Timing = "early"
	TimingOnTime Timing = "on_time"
	TimingLate   Timing = "late"
)

// ResultTiming classifies when the result was ready against the
// appointment (TimingOf, Appointment: an apology does not make a late
// result on time); ok is false until the result is ready or without a due date.
func (d *Dossier) ResultTiming() (Timing, bool) {
	if d.ResolvedAt.IsZero() || d.DueAt.IsZero() {
		return "", false
	}
	return TimingOf(d.ResolvedAt, d.Appointment()), true
}

// TimingOf classifies a step taken at t against the due date then in force,
// in Vietnam's time: after the due time is late, on a day before the due
// day early, otherwise (on the due day up to the due time) on time. Without
// a due date nothing can be late: on time.
func TimingOf(t, due time.Time) Timing {
	if due.IsZero() {
		return TimingOnTime
	}
	t, due = t.In(vnZone), due.In(vnZone)
	switch {
	case t.After(due):
		return TimingLate
	case dateOf(t).Before(dateOf(due)):
		return TimingEarly
	}
	return TimingOnTime
}

// Vi names a timing as registers and slips write it: "Trước hạn",
// "Đúng hạn", "Quá hạn"; "" for none.
func (t Timing) Vi() string {
	switch t {
	case TimingEarly:
		return "Trước hạn"
	case TimingOnTime:
		return "Đúng hạn"
	case TimingLate:
		return "Quá hạn"
	}
	return ""
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// vnZone is Asia/Ho_Chi_Minh (UTC+7 without DST since 1975); fixed so that
// PCs without a tz database (Windows) compute the same times.
var vnZone = time.FixedZone("ICT", 7*3600)

// VN returns the commune's time zone.
func VN() *time.Location { return vnZone }
