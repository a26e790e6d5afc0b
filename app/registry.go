package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// RegisterReader answers queries over the civil-status registers (the
// store's buckets of books and entries). Missing things are ENotFound.
type RegisterReader interface {
	Book(id string) (Book, bool, error)
	Books() ([]Book, error)
	BookEntryCount(id string) (int, error)
	Entry(register string, n int) (Entry, error)
	Entries(register string, fn func(Entry) error) error // in number order
	MaxEntry(register string, slot int) (int, error)     // the largest number applied from a slot's block
	// Old books being digitised: the state of an entry or of every entry
	// of a book as folded, drafts included (ok false: never named).
	EntryState(register string, n int) (Entry, bool, error)
	EntryStates(register string, fn func(Entry) error) error
	// Registered entries of every book: those whose normalised text holds
	// key, and those changed after a time, in that order, until fn is false.
	SearchEntries(key string, fn func(Entry) bool) error
	EntriesChanged(after HLC, fn func(Entry) bool) error
}

// withNewFields marks a command whose body carries fields the versions
// before the registers do not know (a dossier's facts and register, a
// resolution's entry) as version 2 of its kind: those versions decode a
// newer minor version leniently (Command.Decode), so a PC not yet upgraded
// in a mixed office applies the dossier and ignores what it cannot use,
// instead of stopping on a body it cannot decode. Bodies without them stay
// version 1, byte for byte as before.
func withNewFields(c *Command, has bool) {
	if has && c.V < 2 {
		c.V = 2
	}
}

// DefaultBookNumber is the book number (quyển số) of a book opened by its
// first entry.
const DefaultBookNumber = "01"

// checkReceiveFacts validates the facts the desk collected for a dossier
// of a procedure with register kind (none: "").
func checkReceiveFacts(kind RegisterKind, in *Facts, now time.Time) (*Facts, error) {
	if in == nil {
		return nil, nil
	}
	if kind == "" {
		return nil, Errorf(EInvalid, "facts", "Thủ tục này không ghi vào sổ hộ tịch nên không nhận thông tin hộ tịch.",
			"this procedure has no civil-status register: it takes no facts")
	}
	f, err := CheckFacts(kind, *in, now)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// entryCommands builds the commands that enter a resolved dossier in its
// register at now: the opening of the year's book if it is not open yet,
// and the entry, numbered from a slot this PC holds. It returns nothing for
// a dossier without a register or facts (received before facts were taken).
func (s *Service) entryCommands(ctx context.Context, p Principal, d Dossier, now time.Time) ([]Command, *EntryRef, error) {
	kind := d.Procedure.Register
	if kind == "" || d.Facts == nil {
		return nil, nil, nil
	}
	year := now.In(vnZone).Year()
	id := RegisterID(kind, year)
	book, open, err := s.cfg.Reader.Book(id)
	if err != nil {
		return nil, nil, Internal(err)
	}
	var cmds []Command
	if !open {
		book = Book{ID: id, Kind: kind, Year: year, Book: DefaultBookNumber}
		c, err := s.command("", KindRegisterOpen, p.Username, &RegisterBody{Register: id, Kind: kind, Year: year, Book: book.Book})
		if err != nil {
			return nil, nil, err
		}
		cmds = append(cmds, c)
	} else if book.Closed(now) {
		return nil, nil, errBookClosed(id)
	}
	n, slot, err := s.nextEntryNumber(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.command("", KindEntryCreate, p.Username, &EntryBody{Register: id, Kind: kind, Year: year, Book: book.Book,
		Number: n, Slot: slot, DossierID: d.ID, DossierCode: d.Code, Facts: *d.Facts, RegisteredAt: now})
	if err != nil {
		return nil, nil, err
	}
	return append(cmds, c), &EntryRef{Register: id, Book: book.Book, Number: n}, nil
}

func errBookClosed(id string) *Error {
	return Errorf(EConflict, "register", "Sổ %s đã khóa (hết năm hoặc đã khóa sổ): không ghi thêm được.",
		"register %s is closed (its year is over or it was closed)", id)
}

// nextEntryNumber issues the next entry number of a book from the slots
// this node holds: slot s's block of every book is SlotRange(s), as for the
// daily numbers of dossier codes, so a PC cut off from its office numbers
// entries that are final and never clash. Numbers go up within a block;
// a spent block leases the next slot (through Raft in a cluster). Without
// a slot and without quorum there is no number: the caller is refused.
func (s *Service) nextEntryNumber(ctx context.Context, register string) (n, slot int, err error) {
	for range SlotCount + 1 {
		s.codesMu.Lock()
		n, slot, ok, err := s.entryFromHeld(register)
		s.codesMu.Unlock()
		if ok || err != nil {
			return n, slot, err
		}
		sl, err := s.lease(ctx)
		if ErrorCode(err) == EUnavailable {
			return 0, 0, Errorf(EUnavailable, "", "Máy chưa có dải số đăng ký hộ tịch (chưa kết nối được với các máy trong xã); hãy thử lại khi có kết nối.",
				"this PC has no block of register numbers (no quorum); retry when connected").WithCause(err)
		}
		if err != nil {
			return 0, 0, err
		}
		s.codesMu.Lock()
		if !slices.Contains(s.held, sl) {
			s.held = append(s.held, sl)
		}
		s.codesMu.Unlock()
	}
	return 0, 0, Errorf(EUnavailable, "", "Đã hết số đăng ký của sổ %s.", "no entry numbers left in register %s", register)
}

// entryFromHeld is nextEntryNumber's step with s.codesMu held.
func (s *Service) entryFromHeld(register string) (n, slot int, ok bool, err error) {
	if s.held == nil {
		if s.held, err = s.heldSlots(); err != nil {
			return 0, 0, false, err
		}
	}
	for _, sl := range s.held {
		key := "reg/" + register + "/" + strconv.Itoa(sl)
		n, known := s.counters[key]
		if !known {
			if n, err = s.cfg.Reader.MaxEntry(register, sl); err != nil {
				return 0, 0, false, Internal(err)
			}
		}
		first, last := SlotRange(sl)
		n = max(n, first-1)
		s.counters[key] = n
		if n < last {
			s.counters[key] = n + 1
			return n + 1, sl, true, nil
		}
	}
	return 0, 0, false, nil
}

// RegisterInfo describes a book for the list of registers.
type RegisterInfo struct {
	ID      string       `json:"id"`
	Kind    RegisterKind `json:"kind"`
	KindVi  string       `json:"kind_vi"`
	Year    int          `json:"year"`
	Book    string       `json:"book"`
	Entries int          `json:"entries"`
	Closed  bool         `json:"closed"`
	Opened  time.Time    `json:"opened_at"`
}

// Registers lists the books, newest year first, of a kind and year when given.
func (s *Service) Registers(p Principal, kind RegisterKind, year int) ([]RegisterInfo, error) {
	if kind != "" && !kind.Valid() {
		return nil, Errorf(EInvalid, "kind", "Loại sổ hộ tịch không hợp lệ.", "unknown register kind")
	}
	books, err := s.cfg.Reader.Books()
	if err != nil {
		return nil, Internal(err)
	}
	now := s.Now()
	out := []RegisterInfo{}
	for _, b := range books {
		if b.ID == "" || (kind != "" && b.Kind != kind) || (year != 0 && b.Year != year) {
			continue
		}
		n, err := s.cfg.Reader.BookEntryCount(b.ID)
		if err != nil {
			return nil, Internal(err)
		}
		out = append(out, RegisterInfo{ID: b.ID, Kind: b.Kind, KindVi: b.Kind.Vi(), Year: b.Year, Book: b.Book,
			Entries: n, Closed: b.Closed(now), Opened: b.OpenedAt})
	}
	slices.SortFunc(out, func(a, b RegisterInfo) int {
		if a.Year != b.Year {
			return b.Year - a.Year
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Entries lists a book's entries in number order; q keeps those whose
// names, dates, number or dossier code match it with or without diacritics.
func (s *Service) Entries(p Principal, register, q string) ([]Entry, error) {
	if _, _, err := ParseRegisterID(register); err != nil {
		return nil, err
	}
	if _, ok, err := s.cfg.Reader.Book(register); err != nil {
		return nil, Internal(err)
	} else if !ok {
		return nil, Errorf(ENotFound, "register", "Không có sổ hộ tịch %q.", "no register %q", register)
	}
	key, number := TextKey(q), 0
	if reg, n, ok := parseExtractQR(q); ok { // an extract's QR code, scanned
		if reg != register {
			return []Entry{}, nil
		}
		key, number = "", n
	}
	out := []Entry{}
	err := s.cfg.Reader.Entries(register, func(e Entry) error {
		if number > 0 && e.Number != number {
			return nil
		}
		if key == "" || strings.Contains(EntrySearchText(e), key) {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, Internal(err)
	}
	return out, nil
}

// EntrySearchText is what a search of entries looks in, as a TextKey: the
// normalised copy of the facts in force, which keep the book's spelling.
func EntrySearchText(e Entry) string {
	f := e.Current
	parts := []string{strconv.Itoa(e.Number), e.Register, e.DossierCode, f.Subject.FullName, f.Subject.DateOfBirth, f.Date,
		f.Declarant.FullName, f.Subject.IDNumber}
	for _, p := range []*Person{f.Partner, f.Mother, f.Father} {
		if p != nil {
			parts = append(parts, p.FullName)
		}
	}
	return " " + TextKey(strings.Join(parts, " | ")) + " "
}

// RegisterEntry returns entry n of a book.
func (s *Service) RegisterEntry(p Principal, register string, n int) (Entry, error) {
	if _, _, err := ParseRegisterID(register); err != nil {
		return Entry{}, err
	}
	return s.cfg.Reader.Entry(register, n)
}

// CorrectInput corrects one registered fact (cải chính): the value in force
// becomes New; the entry keeps what was registered and every correction.
type CorrectInput struct {
	Field string `json:"field"`
	New   string `json:"new"`
	Note  string `json:"note"`
	Basis string `json:"basis"` // the decision or dossier code it rests on
}

// CorrectEntry records a correction of an entry. It needs a note; the new
// value must differ and pass the checks of the entry's kind.
func (s *Service) CorrectEntry(ctx context.Context, p Principal, register string, n int, in CorrectInput) (Entry, error) {
	if !p.Has(RoleSpecialist) && !p.Has(RoleLeader) {
		return Entry{}, forbidden()
	}
	e, err := s.RegisterEntry(p, register, n)
	if err != nil {
		return Entry{}, err
	}
	if !slices.Contains(FactFields, in.Field) {
		return Entry{}, Errorf(EInvalid, "field", "Không có mục %q trong sổ để cải chính.", "no field %q to correct", in.Field)
	}
	in.Note, in.Basis = strings.TrimSpace(CleanText(in.Note)), strings.TrimSpace(CleanText(in.Basis))
	if utf8.RuneCountInString(in.Basis) > 300 {
		return Entry{}, Errorf(EInvalid, "basis", "Căn cứ cải chính quá dài (tối đa 300 ký tự).", "the basis is too long (at most 300 characters)")
	}
	if in.Note == "" || utf8.RuneCountInString(in.Note) > 1000 {
		return Entry{}, Errorf(EInvalid, "note", "Cải chính cần ghi rõ lý do (tối đa 1000 ký tự).", "a correction needs a note (at most 1000 characters)")
	}
	f := cloneFacts(e.Current)
	old, _ := FactField(&f, in.Field, false)
	oldValue := *old
	p2, _ := FactField(&f, in.Field, true)
	*p2 = in.New
	checked, err := CheckFacts(e.Kind, f, s.Now())
	if err != nil {
		return Entry{}, err
	}
	newValue, _ := FactField(&checked, in.Field, false)
	if *newValue == oldValue {
		return Entry{}, Errorf(EInvalid, "new", "Giá trị mới trùng giá trị đang ghi trong sổ.", "the new value is the value in force")
	}
	e, _, err = s.changeEntry(ctx, p, e, KindEntryCorrect, &EntryChangeBody{Field: in.Field, Old: oldValue, New: *newValue,
		Note: in.Note, Basis: in.Basis})
	return e, err
}

// AnnotateEntry writes a note beside an entry (ghi chú).
func (s *Service) AnnotateEntry(ctx context.Context, p Principal, register string, n int, note string) (Entry, error) {
	if !p.Has(RoleSpecialist) && !p.Has(RoleLeader) {
		return Entry{}, forbidden()
	}
	e, err := s.RegisterEntry(p, register, n)
	if err != nil {
		return Entry{}, err
	}
	note = strings.TrimSpace(CleanText(note))
	if note == "" || utf8.RuneCountInString(note) > 1000 {
		return Entry{}, Errorf(EInvalid, "note", "Ghi chú không được để trống (tối đa 1000 ký tự).", "a note is required (at most 1000 characters)")
	}
	e, _, err = s.changeEntry(ctx, p, e, KindEntryAnnotate, &EntryChangeBody{Note: note})
	return e, err
}

// ExtractInput is an issue of a certified extract (trích lục).
type ExtractInput struct {
	Copies    int    `json:"copies"`
	FeeVND    int    `json:"fee_vnd"`
	Requester string `json:"requester"`
}

// IssueExtract records an issue of an extract of an entry: who, when, how
// many copies, the fee. The extract printed carries the issue's number.
func (s *Service) IssueExtract(ctx context.Context, p Principal, register string, n int, in ExtractInput) (Entry, ExtractIssue, error) {
	if !p.Has(RoleReceiver) && !p.Has(RoleSpecialist) && !p.Has(RoleLeader) {
		return Entry{}, ExtractIssue{}, forbidden()
	}
	e, err := s.RegisterEntry(p, register, n)
	if err != nil {
		return Entry{}, ExtractIssue{}, err
	}
	in.Requester = strings.Join(strings.Fields(CleanText(in.Requester)), " ")
	switch {
	case in.Copies < 1 || in.Copies > 50:
		return Entry{}, ExtractIssue{}, Errorf(EInvalid, "copies", "Số bản trích lục phải từ 1 đến 50.", "copies must be between 1 and 50")
	case in.FeeVND < 0 || in.FeeVND > 10_000_000:
		return Entry{}, ExtractIssue{}, Errorf(EInvalid, "fee_vnd", "Lệ phí không hợp lệ.", "the fee is out of range")
	case utf8.RuneCountInString(in.Requester) > 100:
		return Entry{}, ExtractIssue{}, Errorf(EInvalid, "requester", "Tên người yêu cầu quá dài.", "the requester's name is too long")
	}
	e, id, err := s.changeEntry(ctx, p, e, KindEntryExtract, &EntryChangeBody{Copies: in.Copies, FeeVND: in.FeeVND, Requester: in.Requester})
	if err != nil {
		return Entry{}, ExtractIssue{}, err
	}
	for _, x := range e.Extracts {
		if x.ID == id {
			return e, x, nil
		}
	}
	return e, ExtractIssue{}, Internal(fmt.Errorf("extract %s of %s/%d applied but not found", id, register, n))
}

// changeEntry appends a later command on entry e; it returns the entry
// after it and the command's ID.
func (s *Service) changeEntry(ctx context.Context, p Principal, e Entry, kind string, b *EntryChangeBody) (Entry, string, error) {
	b.Register, b.Number = e.Register, e.Number
	c, err := s.commandAfter(e.LastAt, kind, p.Username, b)
	if err != nil {
		return Entry{}, "", err
	}
	if err := s.append(ctx, c); err != nil {
		return Entry{}, "", err
	}
	e, err = s.cfg.Reader.Entry(e.Register, e.Number)
	return e, c.ID, err
}

// CloseRegister closes a book (at the end of its year): no entry is added after.
func (s *Service) CloseRegister(ctx context.Context, p Principal, register string) (Book, error) {
	if !p.Has(RoleLeader) && !p.Has(RoleAdmin) {
		return Book{}, forbidden()
	}
	kind, year, err := ParseRegisterID(register)
	if err != nil {
		return Book{}, err
	}
	b, ok, err := s.cfg.Reader.Book(register)
	if err != nil {
		return Book{}, Internal(err)
	}
	if !ok {
		return Book{}, Errorf(ENotFound, "register", "Không có sổ hộ tịch %q.", "no register %q", register)
	}
	if !b.ClosedAt.IsZero() {
		return b, nil
	}
	c, err := s.commandAfter(b.LastAt, KindRegisterClose, p.Username, &RegisterBody{Register: register, Kind: kind, Year: year})
	if err != nil {
		return Book{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return Book{}, err
	}
	b, _, err = s.cfg.Reader.Book(register)
	return b, err
}
