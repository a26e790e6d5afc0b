package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EntryEntity names the entity of entry number n of a book.
func EntryEntity(register string, n int) string { return "entry/" + register + "/" + strconv.Itoa(n) }

// EntryBody creates an entry (entry.create): the facts registered when a
// civil-status dossier was resolved, under a number from a slot the issuing
// PC holds (app/registry.go), so that PCs apart never issue the same one.
type EntryBody struct {
	Register     string       `json:"register"`
	Kind         RegisterKind `json:"kind"`
	Year         int          `json:"year"`
	Book         string       `json:"book"`
	Number       int          `json:"number"`
	Slot         int          `json:"slot"`
	DossierID    string       `json:"dossier_id,omitempty"`
	DossierCode  string       `json:"dossier_code,omitempty"`
	Facts        Facts        `json:"facts"`
	RegisteredAt time.Time    `json:"registered_at"`
}

// Entity implements Body.
func (b *EntryBody) Entity() string { return EntryEntity(b.Register, b.Number) }

func (b *EntryBody) validate() error {
	first, last := SlotRange(b.Slot)
	switch {
	case !b.Kind.Valid() || b.Register != RegisterID(b.Kind, b.Year):
		return fmt.Errorf("entry: bad register %q", b.Register)
	case b.Slot < 0 || b.Slot >= SlotCount || b.Number < first || b.Number > last:
		return fmt.Errorf("entry %d: outside the block of slot %d", b.Number, b.Slot)
	case b.RegisteredAt.IsZero():
		return fmt.Errorf("entry %d: no registration date", b.Number)
	}
	return nil
}

// EntryRef names an entry: the dossier that made it carries it.
type EntryRef struct {
	Register string `json:"register"`
	Book     string `json:"book"`
	Number   int    `json:"number"`
}

// EntryChangeBody is a later command on an entry: a correction
// (entry.correct: Field from Old to New, with a Note and its Basis), an
// annotation (entry.annotate: Note), or an extract issued (entry.extract:
// Copies, FeeVND, Requester).
type EntryChangeBody struct {
	Register  string `json:"register"`
	Number    int    `json:"number"`
	Field     string `json:"field,omitempty"`
	Old       string `json:"old,omitempty"`
	New       string `json:"new,omitempty"`
	Note      string `json:"note,omitempty"`
	Basis     string `json:"basis,omitempty"` // the decision or dossier a correction rests on
	Copies    int    `json:"copies,omitempty"`
	FeeVND    int    `json:"fee_vnd,omitempty"`
	Requester string `json:"requester,omitempty"`
}

// Entity implements Body.
func (b *EntryChangeBody) Entity() string { return EntryEntity(b.Register, b.Number) }

func (b *EntryChangeBody) validate() error {
	if _, _, err := ParseRegisterID(b.Register); err != nil || b.Number < 1 {
		return fmt.Errorf("entry change: bad register %q or number %d", b.Register, b.Number)
	}
	return nil
}

// Correction is a fact corrected after registration (cải chính).
type Correction struct {
	Field string    `json:"field"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
	Note  string    `json:"note"`
	Basis string    `json:"basis,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	ID    string    `json:"command_id"`
}

// Annotation is a note written beside an entry (ghi chú).
type Annotation struct {
	Note string    `json:"note"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	ID   string    `json:"command_id"`
}

// ExtractIssue is one issue of a certified extract (trích lục) of an entry.
type ExtractIssue struct {
	No        int       `json:"no"` // 1, 2, … per entry
	Copies    int       `json:"copies"`
	FeeVND    int       `json:"fee_vnd"`
	Requester string    `json:"requester,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	ID        string    `json:"command_id"`
}

// Entry is the state of a register entry: the facts as registered, never
// changed, and the facts in force (Current) after the corrections in order.
type Entry struct {
	Register     string         `json:"register"`
	Kind         RegisterKind   `json:"kind"`
	Year         int            `json:"year"`
	Book         string         `json:"book"`
	Number       int            `json:"number"`
	Slot         int            `json:"slot"`
	DossierID    string         `json:"dossier_id,omitempty"`
	DossierCode  string         `json:"dossier_code,omitempty"`
	Facts        Facts          `json:"facts"`
	Current      Facts          `json:"current"`
	RegisteredAt time.Time      `json:"registered_at"`
	RegisteredBy string         `json:"registered_by"`
	Corrections  []Correction   `json:"corrections,omitempty"`
	Annotations  []Annotation   `json:"annotations,omitempty"`
	Extracts     []ExtractIssue `json:"extracts,omitempty"`
	Conflicts    []Conflict     `json:"conflicts,omitempty"`
	LastAt       HLC            `json:"last_at,omitempty"`
	ID           string         `json:"id"` // the command that created it (a digitised entry: that verified it)
	// An entry of an old book (app/digitise.go): its page, who signed it,
	// the two typings, the fields they differ on and how they were settled.
	Page        int               `json:"page,omitempty"`
	Signer      string            `json:"signer,omitempty"`
	SignerTitle string            `json:"signer_title,omitempty"`
	Digitise    string            `json:"digitise,omitempty"` // DigitAwaiting | DigitDisputed | DigitVerified
	Transcripts []Transcript      `json:"transcripts,omitempty"`
	Differences []string          `json:"differences,omitempty"`
	Settled     map[string]string `json:"settled,omitempty"`
	VerifiedBy  string            `json:"verified_by,omitempty"`
	VerifiedAt  time.Time         `json:"verified_at,omitzero"`
}

// Apply folds a command on the entry. A second entry under the same number
// (which numbers leased in slots prevent) and a correction whose old value
// is not the value in force are kept as conflicts; the entry does not change.
func (e *Entry) Apply(c Command, body Body) {
	e.LastAt = max(e.LastAt, c.At)
	at := c.At.Time().In(vnZone)
	conflict := func(reason string) {
		e.Conflicts = append(e.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: reason})
	}
	switch b := body.(type) {
	case *TranscribeBody:
		e.applyTranscript(c, b, at, conflict)
	case *SettleBody:
		e.applySettle(c, b, at, conflict)
	case *EntryBody:
		if e.ID != "" {
			conflict("entry_number_taken")
			return
		}
		*e = Entry{Register: b.Register, Kind: b.Kind, Year: b.Year, Book: b.Book, Number: b.Number, Slot: b.Slot,
			DossierID: b.DossierID, DossierCode: b.DossierCode, Facts: b.Facts, Current: cloneFacts(b.Facts),
			RegisteredAt: b.RegisteredAt.In(vnZone), RegisteredBy: c.Actor, ID: c.ID, LastAt: e.LastAt,
			Conflicts: e.Conflicts, Corrections: e.Corrections, Annotations: e.Annotations, Extracts: e.Extracts}
	case *EntryChangeBody:
		if e.ID == "" {
			conflict("entry_not_found")
			return
		}
		switch c.Kind {
		case KindEntryCorrect:
			if p, ok := FactField(&e.Current, b.Field, false); !ok || *p != b.Old {
				conflict("correction_old_value_differs")
				return
			}
			p, _ := FactField(&e.Current, b.Field, true)
			*p = b.New
			e.Corrections = append(e.Corrections, Correction{Field: b.Field, Old: b.Old, New: b.New, Note: b.Note,
				Basis: b.Basis, By: c.Actor, At: at, ID: c.ID})
		case KindEntryAnnotate:
			e.Annotations = append(e.Annotations, Annotation{Note: b.Note, By: c.Actor, At: at, ID: c.ID})
		case KindEntryExtract:
			e.Extracts = append(e.Extracts, ExtractIssue{No: len(e.Extracts) + 1, Copies: b.Copies, FeeVND: b.FeeVND,
				Requester: b.Requester, By: c.Actor, At: at, ID: c.ID})
		}
	}
}

func cloneFacts(f Facts) Facts {
	for _, p := range []**Person{&f.Partner, &f.Mother, &f.Father} {
		if *p != nil {
			c := **p
			*p = &c
		}
	}
	return f
}

// FactFields lists the facts a correction may change, by path.
var FactFields = func() []string {
	out := []string{"date", "place", "content", "declarant.full_name", "declarant.relation", "declarant.id_number"}
	for _, who := range []string{"subject", "partner", "mother", "father"} {
		for _, f := range []string{"full_name", "sex", "date_of_birth", "ethnicity", "nationality", "residence", "id_number"} {
			out = append(out, who+"."+f)
		}
	}
	return out
}()

// FactField returns the fact at path in f; create adds a missing person
// (a correction may supply a parent the entry left blank: bổ sung).
func FactField(f *Facts, path string, create bool) (*string, bool) {
	switch path {
	case "date":
		return &f.Date, true
	case "place":
		return &f.Place, true
	case "content":
		return &f.Content, true
	case "declarant.full_name":
		return &f.Declarant.FullName, true
	case "declarant.relation":
		return &f.Declarant.Relation, true
	case "declarant.id_number":
		return &f.Declarant.IDNumber, true
	}
	who, field, ok := strings.Cut(path, ".")
	if !ok {
		return nil, false
	}
	var p *Person
	switch who {
	case "subject":
		p = &f.Subject
	case "partner", "mother", "father":
		pp := map[string]**Person{"partner": &f.Partner, "mother": &f.Mother, "father": &f.Father}[who]
		if *pp == nil {
			if !create {
				var empty string
				return &empty, true
			}
			*pp = &Person{}
		}
		p = *pp
	default:
		return nil, false
	}
	switch field {
	case "full_name":
		return &p.FullName, true
	case "sex":
		return &p.Sex, true
	case "date_of_birth":
		return &p.DateOfBirth, true
	case "ethnicity":
		return &p.Ethnicity, true
	case "nationality":
		return &p.Nationality, true
	case "residence":
		return &p.Residence, true
	case "id_number":
		return &p.IDNumber, true
	}
	return nil, false
}

// extractQRPrefix starts the text of an extract's QR code.
const extractQRPrefix = "XASO-TL|"

// ExtractQR is what the QR code of an extract holds: the commune, the
// register, the entry number and the issue. The registers' search takes it
// (Entries), so an official who scans an extract finds its entry.
func ExtractQR(commune, register string, number, issue int) string {
	return fmt.Sprintf("%s%s|%s|%d|%d", extractQRPrefix, commune, register, number, issue)
}

// parseExtractQR reads an extract's QR text: its register and entry number.
func parseExtractQR(q string) (register string, number int, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(q), extractQRPrefix)
	if !ok {
		return "", 0, false
	}
	parts := strings.Split(rest, "|")
	if len(parts) != 4 {
		return "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	return parts[1], n, err == nil
}
