package app

import "strings"

// Command kinds, one table. A row names a kind's body type and the state the
// body folds into (its target); the entity a command changes is its body's
// Entity(), "<target>/<id>", and the fold is the Apply method of the
// target's state (Dossier, User, SlotLease, CommuneConfig; the audit log keeps
// each entry as written). DecodeCommand
// and the store's apply both look a kind up here: adding a kind is one row
// plus its case in the state's Apply.

// Target names an entity state that commands fold into. The store keeps one
// bucket per target.
type Target string

// The targets.
const (
	TargetCommune Target = "commune" // CommuneConfig, one per commune
	TargetUser    Target = "user"    // User, by user name
	TargetSlot    Target = "slot"    // SlotLease, by slot number
	TargetDossier Target = "dossier" // Dossier, by dossier ID
	TargetAudit   Target = "audit"   // the audit log: each command one entry, kept as written

	// Civil-status registers (app/registers.go, app/entries.go).
	TargetRegister Target = "register" // Book, by register ID (kind-year)
	TargetEntry    Target = "entry"    // Entry, by register ID and number
)

// KindSpec is one row of the kind table.
type KindSpec struct {
	Body   func() Body // a new, empty body of the kind
	Target Target      // the state the body folds into
}

var kinds = map[string]KindSpec{
	KindCommuneConfigure: {func() Body { return &CommuneConfig{} }, TargetCommune},
	KindUserCreate:       {func() Body { return &UserBody{} }, TargetUser},
	KindUserUpdate:       {func() Body { return &UserBody{} }, TargetUser},
	KindSlotLease:        {func() Body { return &SlotBody{} }, TargetSlot},
	KindSlotRelease:      {func() Body { return &SlotBody{} }, TargetSlot},
	KindDossierReceive:   {func() Body { return &ReceiveBody{} }, TargetDossier},
	KindDossierSubmit:    {func() Body { return &ReceiveBody{} }, TargetDossier},
	KindDossierAct:       {func() Body { return &ActBody{} }, TargetDossier},
	KindDossierAttach:    {func() Body { return &AttachBody{} }, TargetDossier},
	KindDossierRate:      {func() Body { return &RateBody{} }, TargetDossier},
	KindAudit:            {func() Body { return &AuditBody{} }, TargetAudit},

	// Civil-status registers.
	KindRegisterOpen:  {func() Body { return &RegisterBody{} }, TargetRegister},
	KindRegisterClose: {func() Body { return &RegisterBody{} }, TargetRegister},
	KindEntryCreate:   {func() Body { return &EntryBody{} }, TargetEntry},
	KindEntryCorrect:  {func() Body { return &EntryChangeBody{} }, TargetEntry},
	KindEntryAnnotate: {func() Body { return &EntryChangeBody{} }, TargetEntry},
	KindEntryExtract:  {func() Body { return &EntryChangeBody{} }, TargetEntry},
}

// LookupKind returns the row of a kind; false for a kind this version does
// not know (a command from a newer version).
func LookupKind(kind string) (KindSpec, bool) {
	k, ok := kinds[kind]
	return k, ok
}

// EntityID returns the ID part of an entity name "<target>/<id>" (the whole
// name for a target with one entity, such as the commune).
func EntityID(entity string) string {
	if _, id, ok := strings.Cut(entity, "/"); ok {
		return id
	}
	return entity
}
