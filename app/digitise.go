package app

import (
	"fmt"
	"slices"
	"time"
)

// Digitising old paper books (số hóa sổ hộ tịch). An official opens an old
// book (register.digitise: kind, year, book number), attaches the scans of
// its pages (register.page), and types each entry as written
// (entry.transcribe). A second official types the same entry again without
// seeing the first's values; the fold compares the two field by field. Equal,
// the entry is verified and becomes an entry of the register like any other
// (search, extracts, export). Different, the fields that differ wait for a
// third official, who settles them (entry.settle) looking at the page.

// Digitising command kinds (rows of the kind table, kinds.go).
const (
	KindRegisterDigitise = "register.digitise" // open an old paper book for digitising
	KindRegisterPage     = "register.page"     // a page scan of an old book
	KindEntryTranscribe  = "entry.transcribe"  // one official's typing of an entry of an old book
	KindEntrySettle      = "entry.settle"      // a third official settles the fields two typings differ on
)

// Digitising states of an entry of an old book.
const (
	DigitAwaiting = "awaiting_second" // typed once: waits for the second, blind typing
	DigitDisputed = "disputed"        // typed twice, differently: waits for the third look
	DigitVerified = "verified"        // typed twice the same, or settled
)

// BookPage is the scan of one page of an old book.
type BookPage struct {
	No        int       `json:"no"`
	SHA256    string    `json:"sha256"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	CommandID string    `json:"command_id"`
}

// PageBody attaches the scan of page Page to an old book.
type PageBody struct {
	Register  string `json:"register"`
	Page      int    `json:"page"`
	SHA256    string `json:"sha256"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
}

// Entity implements Body.
func (b *PageBody) Entity() string { return "register/" + b.Register }

func (b *PageBody) validate() error {
	switch {
	case b.Page < 1 || b.Page > MaxBookPages:
		return fmt.Errorf("page %d out of range", b.Page)
	case !ValidBlobHash(b.SHA256):
		return fmt.Errorf("bad sha256 %q", b.SHA256)
	case b.Size <= 0 || b.Size > MaxAttachmentSize:
		return fmt.Errorf("bad size %d", b.Size)
	}
	_, _, err := ParseRegisterID(b.Register)
	return err
}

// Limits of an old book.
const (
	MaxBookPages   = 2000
	MaxBookEntries = 99999
)

// applyPage folds a page scan: a page already scanned keeps its first scan
// (the second is a conflict), the same content twice is one scan.
func (b *Book) applyPage(c Command, pb *PageBody, at time.Time) {
	conflict := func(reason string) {
		b.Conflicts = append(b.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: reason})
	}
	if b.ID == "" || !b.Digitised {
		conflict("book_not_digitised")
		return
	}
	if p, ok := b.Page(pb.Page); ok {
		if p.SHA256 != pb.SHA256 {
			conflict("page_scanned_twice")
		}
		return
	}
	b.Pages = append(b.Pages, BookPage{No: pb.Page, SHA256: pb.SHA256, MediaType: pb.MediaType, Size: pb.Size,
		By: c.Actor, At: at, CommandID: c.ID})
	slices.SortFunc(b.Pages, func(x, y BookPage) int { return x.No - y.No })
}

// Page returns the scan of page n.
func (b Book) Page(n int) (BookPage, bool) {
	for _, p := range b.Pages {
		if p.No == n {
			return p, true
		}
	}
	return BookPage{}, false
}

// Transcription is what one official typed of an entry of an old book.
type Transcription struct {
	Page         int    `json:"page"`          // trangSo: the page the entry is written on
	RegisteredOn string `json:"registered_on"` // ngayDangKy as written (YYYY-MM-DD)
	Signer       string `json:"signer,omitempty"`
	SignerTitle  string `json:"signer_title,omitempty"`
	Facts        Facts  `json:"facts"`
}

// TranscribeBody is one typing of entry Number of an old book.
type TranscribeBody struct {
	Register string        `json:"register"`
	Kind     RegisterKind  `json:"kind"`
	Year     int           `json:"year"`
	Book     string        `json:"book"`
	Number   int           `json:"number"`
	Entry    Transcription `json:"entry"`
}

// Entity implements Body.
func (b *TranscribeBody) Entity() string { return EntryEntity(b.Register, b.Number) }

func (b *TranscribeBody) validate() error {
	if b.Register != OldBookID(b.Kind, b.Year, b.Book) || b.Number < 1 || b.Number > MaxBookEntries {
		return fmt.Errorf("transcription: bad register %q or number %d", b.Register, b.Number)
	}
	return nil
}

// SettleBody settles the fields two typings differ on: Values holds the
// value read on the page for each of them.
type SettleBody struct {
	Register string            `json:"register"`
	Number   int               `json:"number"`
	Values   map[string]string `json:"values"`
}

// Entity implements Body.
func (b *SettleBody) Entity() string { return EntryEntity(b.Register, b.Number) }

func (b *SettleBody) validate() error {
	if _, _, err := ParseRegisterID(b.Register); err != nil || b.Number < 1 || len(b.Values) == 0 {
		return fmt.Errorf("settle: bad register %q, number %d or no values", b.Register, b.Number)
	}
	return nil
}

// Transcript is a typing as folded: who typed it, when.
type Transcript struct {
	Transcription
	By string    `json:"by"`
	At time.Time `json:"at"`
	ID string    `json:"command_id"`
}

// TranscriptFields lists what two typings are compared on, beside the facts
// (FactFields) and the declarant's phone.
var TranscriptFields = append([]string{"page", "registered_on", "signer", "signer_title", "declarant.phone"}, FactFields...)

// TranscriptField returns the value of field in t (create: see FactField).
func TranscriptField(t *Transcription, field string, create bool) (*string, bool) {
	switch field {
	case "page":
		s := fmt.Sprint(t.Page)
		return &s, true
	case "registered_on":
		return &t.RegisteredOn, true
	case "signer":
		return &t.Signer, true
	case "signer_title":
		return &t.SignerTitle, true
	case "declarant.phone":
		return &t.Facts.Declarant.Phone, true
	}
	return FactField(&t.Facts, field, create)
}

// CompareTranscriptions lists the fields on which a and b differ, in the
// order of TranscriptFields.
func CompareTranscriptions(a, b Transcription) []string {
	var diff []string
	for _, f := range TranscriptFields {
		x, _ := TranscriptField(&a, f, false)
		y, _ := TranscriptField(&b, f, false)
		if *x != *y {
			diff = append(diff, f)
		}
	}
	return diff
}

// SetTranscriptField sets field of t to v; page takes a number.
func SetTranscriptField(t *Transcription, field, v string) bool {
	if field == "page" {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil || fmt.Sprint(n) != v {
			return false
		}
		t.Page = n
		return true
	}
	p, ok := TranscriptField(t, field, true)
	if ok {
		*p = v
	}
	return ok
}

// Transcribers lists who typed the entry.
func (e *Entry) Transcribers() []string {
	out := make([]string, 0, len(e.Transcripts))
	for _, t := range e.Transcripts {
		out = append(out, t.By)
	}
	return out
}

// applyTranscript folds a typing of an old book's entry: the first waits,
// the second is compared with it, a third or one by an official who typed
// it already is a conflict (the service refuses both).
func (e *Entry) applyTranscript(c Command, b *TranscribeBody, at time.Time, conflict func(string)) {
	switch {
	case e.ID != "" || e.Digitise == DigitVerified:
		conflict("entry_already_verified")
		return
	case slices.Contains(e.Transcribers(), c.Actor):
		conflict("double_entry_same_official")
		return
	case len(e.Transcripts) >= 2:
		conflict("entry_typed_twice")
		return
	}
	e.Register, e.Kind, e.Year, e.Book, e.Number, e.Slot = b.Register, b.Kind, b.Year, b.Book, b.Number, -1
	e.Transcripts = append(e.Transcripts, Transcript{Transcription: b.Entry, By: c.Actor, At: at, ID: c.ID})
	if len(e.Transcripts) == 1 {
		e.Digitise = DigitAwaiting
		return
	}
	e.Differences = CompareTranscriptions(e.Transcripts[0].Transcription, e.Transcripts[1].Transcription)
	if len(e.Differences) > 0 {
		e.Digitise = DigitDisputed
		return
	}
	e.verify(e.Transcripts[0].Transcription, c, at)
}

// applySettle folds the third look: the first typing with the settled
// values. Values that do not cover exactly the differences, or a settler
// who typed the entry, are conflicts (the service refuses both).
func (e *Entry) applySettle(c Command, b *SettleBody, at time.Time, conflict func(string)) {
	if e.Digitise != DigitDisputed {
		conflict("entry_not_disputed")
		return
	}
	if slices.Contains(e.Transcribers(), c.Actor) {
		conflict("settled_by_a_typist")
		return
	}
	if len(b.Values) != len(e.Differences) {
		conflict("settle_fields_differ")
		return
	}
	t := e.Transcripts[0].Transcription
	t.Facts = cloneFacts(t.Facts)
	for _, f := range e.Differences {
		v, ok := b.Values[f]
		if !ok || !SetTranscriptField(&t, f, v) {
			conflict("settle_fields_differ")
			return
		}
	}
	e.Settled = b.Values
	e.verify(t, c, at)
}

// verify makes the typing the entry's registered facts.
func (e *Entry) verify(t Transcription, c Command, at time.Time) {
	e.ID, e.Digitise, e.VerifiedBy, e.VerifiedAt = c.ID, DigitVerified, c.Actor, at
	e.Page, e.Signer, e.SignerTitle = t.Page, t.Signer, t.SignerTitle
	e.Facts, e.Current = t.Facts, cloneFacts(t.Facts)
	e.RegisteredBy = e.Transcripts[0].By
	if d, err := time.ParseInLocation("2006-01-02", t.RegisteredOn, vnZone); err == nil {
		e.RegisteredAt = d
	}
}
