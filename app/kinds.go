package app

import "strings"

// Command kinds, one table. A row names a kind's body type and the state the
// body folds into (its target); the entity a command changes is its body's
// Entity(), "<target>/<id>", and the fold is the Apply method of the
// target's state (Dossier, User, SlotLease, CommuneConfig, CatalogVersion,
// CalendarYear, Book, Entry, PCName; the audit log keeps
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
	// Published by the province (app/publish.go).
	TargetCatalog  Target = "catalog"  // CatalogVersion, by catalog version
	TargetCalendar Target = "calendar" // CalendarYear, by year
	// The office's identity towards the province, one per office (app/installation.go).
	TargetInstall Target = "install" // Installation
	// The office's signing key, kept inside the office only (app/installation.go).
	TargetInstallKey Target = "install_key" // InstallKey
	// The uplink's sent-marks, kept inside the office only: no state of its
	// own, the store's index of unsent commands (store/uplink.go).
	TargetUplinkSent Target = "uplink_sent" // UplinkSent

	// Civil-status registers (app/registers.go, app/entries.go).
	TargetRegister Target = "register" // Book, by register ID (kind-year)
	TargetEntry    Target = "entry"    // Entry, by register ID and number

	// The names officials know the office's PCs by (app/pcname.go).
	TargetPC Target = "pc" // PCName, by node ID
)

// KindSpec is one row of the kind table.
type KindSpec struct {
	Body   func() Body // a new, empty body of the kind
	Target Target      // the state the body folds into
	// FromHub: the provincial hub may send the kind down to a commune.
	FromHub bool
}

var kinds = map[string]KindSpec{
	KindCommuneConfigure: {func() Body { return &CommuneConfig{} }, TargetCommune, false},
	KindUserCreate:       {func() Body { return &UserBody{} }, TargetUser, false},
	KindUserUpdate:       {func() Body { return &UserBody{} }, TargetUser, false},
	KindSlotLease:        {func() Body { return &SlotBody{} }, TargetSlot, false},
	KindSlotRelease:      {func() Body { return &SlotBody{} }, TargetSlot, false},
	KindDossierReceive:   {func() Body { return &ReceiveBody{} }, TargetDossier, false},
	KindDossierSubmit:    {func() Body { return &ReceiveBody{} }, TargetDossier, true},
	KindDossierAct:       {func() Body { return &ActBody{} }, TargetDossier, false},
	KindDossierAttach:    {func() Body { return &AttachBody{} }, TargetDossier, false},
	KindDossierRate:      {func() Body { return &RateBody{} }, TargetDossier, false},
	KindAudit:            {func() Body { return &AuditBody{} }, TargetAudit, false},
	KindCatalogPublish:   {func() Body { return &CatalogBody{} }, TargetCatalog, true},
	KindCalendarPublish:  {func() Body { return &CalendarBody{} }, TargetCalendar, true},
	KindInstallation:     {func() Body { return &Installation{} }, TargetInstall, false},
	KindInstallKey:       {func() Body { return &InstallKey{} }, TargetInstallKey, false},
	KindUplinkSent:       {func() Body { return &UplinkSent{} }, TargetUplinkSent, false},

	// Civil-status registers.
	KindRegisterOpen:  {func() Body { return &RegisterBody{} }, TargetRegister, false},
	KindRegisterClose: {func() Body { return &RegisterBody{} }, TargetRegister, false},
	KindEntryCreate:   {func() Body { return &EntryBody{} }, TargetEntry, false},
	KindEntryCorrect:  {func() Body { return &EntryChangeBody{} }, TargetEntry, false},
	KindEntryAnnotate: {func() Body { return &EntryChangeBody{} }, TargetEntry, false},
	KindEntryExtract:  {func() Body { return &EntryChangeBody{} }, TargetEntry, false},

	// Digitising old books (digitise.go).
	KindRegisterDigitise: {func() Body { return &RegisterBody{} }, TargetRegister, false},
	KindRegisterPage:     {func() Body { return &PageBody{} }, TargetRegister, false},
	KindEntryTranscribe:  {func() Body { return &TranscribeBody{} }, TargetEntry, false},
	KindEntrySettle:      {func() Body { return &SettleBody{} }, TargetEntry, false},

	// The office's PCs.
	KindPCName: {func() Body { return &PCName{} }, TargetPC, false},
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
