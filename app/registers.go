package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Civil-status registers (sổ hộ tịch): a book per register kind and year,
// whose entries are numbered in order and never reused. A book is an entity
// of its own ("register/<kind>-<year>"), and so is each entry
// ("entry/<kind>-<year>/<number>", app/entries.go): an entry is made by a
// command when a civil-status dossier is resolved, and changed only by later
// commands (corrections, annotations, extracts issued), never edited.

// Register command kinds (rows of the kind table, kinds.go).
const (
	KindRegisterOpen  = "register.open"  // open the book of a kind and year
	KindRegisterClose = "register.close" // close it (at the end of its year)
	KindEntryCreate   = "entry.create"   // a new entry, numbered from a leased slot
	KindEntryCorrect  = "entry.correct"  // a correction of a registered fact (cải chính)
	KindEntryAnnotate = "entry.annotate" // a note written in the margin (ghi chú)
	KindEntryExtract  = "entry.extract"  // a certified extract issued (trích lục)
)

// RegisterKind is a kind of civil-status register.
type RegisterKind string

// The register kinds a commune keeps (Law on Civil Status 2014).
const (
	RegBirth        RegisterKind = "birth"
	RegMarriage     RegisterKind = "marriage"
	RegDeath        RegisterKind = "death"
	RegParentage    RegisterKind = "parentage"
	RegGuardianship RegisterKind = "guardianship"
	RegChange       RegisterKind = "change" // thay đổi, cải chính, bổ sung thông tin hộ tịch
)

var registerKinds = []struct {
	Kind RegisterKind
	Vi   string
}{
	{RegBirth, "Sổ đăng ký khai sinh"},
	{RegMarriage, "Sổ đăng ký kết hôn"},
	{RegDeath, "Sổ đăng ký khai tử"},
	{RegParentage, "Sổ đăng ký nhận cha, mẹ, con"},
	{RegGuardianship, "Sổ đăng ký giám hộ"},
	{RegChange, "Sổ đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch"},
}

// Valid reports whether k is a known register kind.
func (k RegisterKind) Valid() bool { return k.Vi() != "" }

// Vi is the name of the book of kind k.
func (k RegisterKind) Vi() string {
	for _, r := range registerKinds {
		if r.Kind == k {
			return r.Vi
		}
	}
	return ""
}

// RegisterID names the book of a kind and year: "birth-2026".
func RegisterID(k RegisterKind, year int) string { return string(k) + "-" + strconv.Itoa(year) }

// OldBookID names an old paper book opened for digitising: a year may have
// had several books, so its number is part of the name ("birth-1998-02").
func OldBookID(k RegisterKind, year int, book string) string { return RegisterID(k, year) + "-" + book }

// ParseRegisterID splits a book's ID (RegisterID or OldBookID) into its
// kind and year.
func ParseRegisterID(id string) (RegisterKind, int, error) {
	k, rest, ok := strings.Cut(id, "-")
	y, book, old := strings.Cut(rest, "-")
	year, err := strconv.Atoi(y)
	if !ok || err != nil || !RegisterKind(k).Valid() || year < 1900 || year > 9999 || (old && !ValidBookNumber(book)) {
		return "", 0, Errorf(ENotFound, "register", "Không có sổ hộ tịch %q.", "no register %q", id)
	}
	return RegisterKind(k), year, nil
}

// ValidBookNumber reports whether s can be a book number (quyển số): one
// to ten ASCII letters and digits.
func ValidBookNumber(s string) bool {
	if s == "" || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// RegisterBody opens or closes a book.
type RegisterBody struct {
	Register string       `json:"register"` // RegisterID
	Kind     RegisterKind `json:"kind"`
	Year     int          `json:"year"`
	Book     string       `json:"book,omitempty"` // the book number (quyển số), register.open
	Note     string       `json:"note,omitempty"`
	Old      bool         `json:"old,omitempty"` // an old paper book opened for digitising (register.digitise)
}

// Entity implements Body.
func (b *RegisterBody) Entity() string { return "register/" + b.Register }

func (b *RegisterBody) validate() error {
	id := RegisterID(b.Kind, b.Year)
	if b.Old {
		id = OldBookID(b.Kind, b.Year, b.Book)
	}
	if !b.Kind.Valid() || b.Register != id {
		return fmt.Errorf("register %q: bad kind %q or year %d", b.Register, b.Kind, b.Year)
	}
	return nil
}

// Book is the state of a register book.
type Book struct {
	ID       string       `json:"id"`
	Kind     RegisterKind `json:"kind"`
	Year     int          `json:"year"`
	Book     string       `json:"book"`
	OpenedAt time.Time    `json:"opened_at,omitzero"`
	OpenedBy string       `json:"opened_by,omitempty"`
	ClosedAt time.Time    `json:"closed_at,omitzero"`
	ClosedBy string       `json:"closed_by,omitempty"`
	// An old paper book being digitised (app/digitise.go): its page scans.
	Digitised bool       `json:"digitised,omitempty"`
	Pages     []BookPage `json:"pages,omitempty"`
	Conflicts []Conflict `json:"conflicts,omitempty"`
	LastAt    HLC        `json:"last_at,omitempty"`
}

// Apply folds a book command. Two PCs apart may both open the book of the
// year: the same book number is the same opening; another number is kept
// as a conflict.
func (b *Book) Apply(c Command, body Body) {
	at := c.At.Time().In(vnZone)
	if pb, ok := body.(*PageBody); ok {
		b.LastAt = max(b.LastAt, c.At)
		b.applyPage(c, pb, at)
		return
	}
	rb, ok := body.(*RegisterBody)
	if !ok {
		return
	}
	b.LastAt = max(b.LastAt, c.At)
	switch c.Kind {
	case KindRegisterOpen, KindRegisterDigitise:
		if b.ID != "" {
			if b.Book != rb.Book {
				b.Conflicts = append(b.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: "book_number_differs"})
			}
			return
		}
		b.ID, b.Kind, b.Year, b.Book, b.OpenedAt, b.OpenedBy = rb.Register, rb.Kind, rb.Year, rb.Book, at, c.Actor
		b.Digitised = c.Kind == KindRegisterDigitise
	case KindRegisterClose:
		if b.ID == "" {
			b.Conflicts = append(b.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: "book_not_open"})
			return
		}
		if b.ClosedAt.IsZero() {
			b.ClosedAt, b.ClosedBy = at, c.Actor
		}
	}
}

// Closed reports whether no entry may be added to the book at now: it was
// closed, or its year is over.
func (b Book) Closed(now time.Time) bool {
	return !b.ClosedAt.IsZero() || now.In(vnZone).Year() > b.Year
}

// Person is a person named in a register entry.
type Person struct {
	FullName    string `json:"full_name"`
	Sex         string `json:"sex,omitempty"`           // "nam" | "nữ"
	DateOfBirth string `json:"date_of_birth,omitempty"` // YYYY-MM-DD
	Ethnicity   string `json:"ethnicity,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Residence   string `json:"residence,omitempty"`
	IDNumber    string `json:"id_number,omitempty"` // personal identification number (12 digits) or other paper
}

// Declarant is who asked for the registration (người yêu cầu).
type Declarant struct {
	FullName string `json:"full_name"`
	Relation string `json:"relation,omitempty"` // to the subject: "cha", "mẹ", "ông", …
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Facts are what a civil-status entry registers. Subject is the child
// (birth), one spouse (marriage, with Partner the other), the deceased
// (death), the child recognised (parentage, with Partner the parent), the
// ward (guardianship, with Partner the guardian), or the person whose record
// changes (change, with Content saying what changes and why).
type Facts struct {
	Subject   Person    `json:"subject"`
	Partner   *Person   `json:"partner,omitempty"`
	Mother    *Person   `json:"mother,omitempty"`
	Father    *Person   `json:"father,omitempty"`
	Date      string    `json:"date"`            // the event: birth, marriage, death… (YYYY-MM-DD)
	Place     string    `json:"place,omitempty"` // where it happened
	Content   string    `json:"content,omitempty"`
	Declarant Declarant `json:"declarant"`
}

// CheckFacts validates and tidies the facts of an entry of kind k at now.
// It returns every problem found at once (the first, with all of them in
// Fields when there are several), so the desk's form shows them together.
func CheckFacts(k RegisterKind, f Facts, now time.Time) (Facts, error) {
	var errs []*Error
	bad := func(field, vi, en string) {
		errs = append(errs, &Error{Code: EInvalid, Field: "facts." + field, Message: vi, English: en})
	}
	tidy := func(s *string, field string, max int) {
		*s = strings.Join(strings.Fields(CleanText(*s)), " ")
		if len([]rune(*s)) > max {
			bad(field, fmt.Sprintf("Quá dài (tối đa %d ký tự).", max), fmt.Sprintf("too long (at most %d characters)", max))
		}
	}
	date := func(s, field string, required bool) {
		if s == "" {
			if required {
				bad(field, "Cần nhập ngày (năm-tháng-ngày).", "a date (YYYY-MM-DD) is required")
			}
			return
		}
		d, err := time.ParseInLocation("2006-01-02", s, vnZone)
		if err != nil {
			bad(field, "Ngày không hợp lệ (năm-tháng-ngày).", "not a date (YYYY-MM-DD)")
		} else if d.After(now) || d.Year() < 1900 {
			bad(field, "Ngày không được ở tương lai hoặc trước năm 1900.", "the date cannot be in the future or before 1900")
		}
	}
	person := func(p *Person, field string, required bool) {
		tidy(&p.FullName, field+".full_name", 100)
		tidy(&p.Ethnicity, field+".ethnicity", 50)
		tidy(&p.Nationality, field+".nationality", 50)
		tidy(&p.Residence, field+".residence", 300)
		tidy(&p.IDNumber, field+".id_number", 20)
		if required && p.FullName == "" {
			bad(field+".full_name", "Cần nhập họ tên.", "a full name is required")
		}
		switch p.Sex = strings.ToLower(strings.TrimSpace(p.Sex)); p.Sex {
		case "", "nam", "nữ":
		case "male":
			p.Sex = "nam"
		case "female":
			p.Sex = "nữ"
		default:
			bad(field+".sex", "Giới tính là “nam” hoặc “nữ”.", "sex is nam or nữ")
		}
		date(p.DateOfBirth, field+".date_of_birth", false)
	}
	person(&f.Subject, "subject", true)
	for _, o := range []struct {
		p     **Person
		field string
	}{{&f.Partner, "partner"}, {&f.Mother, "mother"}, {&f.Father, "father"}} {
		if *o.p != nil {
			p := **o.p
			person(&p, o.field, true)
			*o.p = &p
		}
	}
	date(f.Date, "date", true)
	tidy(&f.Place, "place", 300)
	tidy(&f.Content, "content", 2000)
	tidy(&f.Declarant.FullName, "declarant.full_name", 100)
	tidy(&f.Declarant.Relation, "declarant.relation", 50)
	tidy(&f.Declarant.IDNumber, "declarant.id_number", 20)
	tidy(&f.Declarant.Phone, "declarant.phone", 20)
	if f.Declarant.FullName == "" {
		bad("declarant.full_name", "Cần nhập họ tên người yêu cầu đăng ký.", "the declarant's full name is required")
	}
	switch k {
	case RegBirth:
		if f.Subject.Sex == "" {
			bad("subject.sex", "Cần nhập giới tính của trẻ.", "the child's sex is required")
		}
		if f.Place == "" {
			bad("place", "Cần nhập nơi sinh.", "the place of birth is required")
		}
		if f.Subject.DateOfBirth == "" {
			f.Subject.DateOfBirth = f.Date
		}
	case RegMarriage, RegParentage, RegGuardianship:
		if f.Partner == nil {
			bad("partner.full_name", "Cần nhập người thứ hai (vợ/chồng, cha/mẹ được nhận, người giám hộ).",
				"the second person (spouse, parent, guardian) is required")
		}
	case RegDeath:
		if f.Place == "" {
			bad("place", "Cần nhập nơi chết.", "the place of death is required")
		}
	case RegChange:
		if f.Content == "" {
			bad("content", "Cần ghi nội dung thay đổi, cải chính và lý do.", "what changes and why is required")
		}
	}
	var probs Problems
	for _, e := range errs {
		probs.Add(e)
	}
	return f, probs.Err()
}
