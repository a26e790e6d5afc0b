package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The use cases of digitising old books (the domain is in digitise.go).

// canDigitise: any official of the office types old books; admins do not.
func canDigitise(p Principal) bool {
	return p.Has(RoleReceiver) || p.Has(RoleSpecialist) || p.Has(RoleLeader)
}

// OldBookInput opens an old book for digitising.
type OldBookInput struct {
	Kind RegisterKind `json:"kind"`
	Year int          `json:"year"`
	Book string       `json:"book"` // quyển số
}

// OpenOldBook opens an old paper book (a year before this one) for digitising.
func (s *Service) OpenOldBook(ctx context.Context, p Principal, in OldBookInput) (Book, error) {
	if !canDigitise(p) {
		return Book{}, forbidden()
	}
	in.Book = strings.TrimSpace(in.Book)
	var probs Problems
	if !in.Kind.Valid() {
		probs.Add(Errorf(EInvalid, "kind", "Chọn loại sổ hộ tịch.", "Choose the kind of register"))
	}
	if this := s.Now().In(vnZone).Year(); in.Year < 1900 || in.Year >= this {
		probs.Add(Errorf(EInvalid, "year", "Năm của sổ cũ phải từ 1900 đến %d.", "The year of an old book is between 1900 and %d", this-1))
	}
	if !ValidBookNumber(in.Book) {
		probs.Add(Errorf(EInvalid, "book", "Quyển số gồm 1 đến 10 chữ hoặc số (ví dụ 01).", "The book number is 1 to 10 letters or digits (e.g. 01)"))
	}
	if err := probs.Err(); err != nil {
		return Book{}, err
	}
	id := OldBookID(in.Kind, in.Year, in.Book)
	if _, ok, err := s.cfg.Reader.Book(id); err != nil {
		return Book{}, Internal(err)
	} else if ok {
		return Book{}, Errorf(EConflict, "book", "Quyển số %s năm %d của %s đã được mở để số hóa.",
			"book %s of %d (%s) is open for digitising already", in.Book, in.Year, in.Kind)
	}
	c, err := s.command("", KindRegisterDigitise, p.Username, &RegisterBody{Register: id, Kind: in.Kind, Year: in.Year, Book: in.Book, Old: true})
	if err != nil {
		return Book{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return Book{}, err
	}
	b, _, err := s.cfg.Reader.Book(id)
	return b, err
}

// oldBook returns a book open for digitising.
func (s *Service) oldBook(register string) (Book, error) {
	if _, _, err := ParseRegisterID(register); err != nil {
		return Book{}, err
	}
	b, ok, err := s.cfg.Reader.Book(register)
	if err != nil {
		return Book{}, Internal(err)
	}
	if !ok || !b.Digitised {
		return Book{}, Errorf(ENotFound, "register", "Không có sổ cũ %q đang số hóa.", "no old book %q being digitised", register)
	}
	return b, nil
}

// AddPage stores the scan of page n of an old book. The same content again
// returns the page with created false; another scan of a scanned page is refused.
func (s *Service) AddPage(ctx context.Context, p Principal, register string, n int, body io.Reader) (BookPage, bool, error) {
	if !canDigitise(p) {
		return BookPage{}, false, forbidden()
	}
	if s.cfg.Blobs == nil {
		return BookPage{}, false, noBlobStore()
	}
	b, err := s.oldBook(register)
	if err != nil {
		return BookPage{}, false, err
	}
	if n < 1 || n > MaxBookPages {
		return BookPage{}, false, Errorf(EInvalid, "page", "Số trang phải từ 1 đến %d.", "the page number is between 1 and %d", MaxBookPages)
	}
	staged, media, _, _, err := s.stageScan(body)
	if err != nil {
		return BookPage{}, false, err
	}
	commit := false
	defer func() {
		if !commit {
			staged.Discard()
		}
	}()
	unlock := s.lockDossier("register/" + register)
	defer unlock()
	if b, err = s.oldBook(register); err != nil {
		return BookPage{}, false, err
	}
	if old, ok := b.Page(n); ok {
		if old.SHA256 == staged.SHA256() {
			return old, false, nil
		}
		return BookPage{}, false, Errorf(EConflict, "page", "Trang %d của sổ đã có ảnh quét.", "page %d of the book is scanned already", n)
	}
	if err := staged.Commit(); err != nil {
		return BookPage{}, false, Internal(fmt.Errorf("store page scan: %w", err))
	}
	commit = true
	c, err := s.commandAfter(b.LastAt, KindRegisterPage, p.Username, &PageBody{Register: register, Page: n,
		SHA256: staged.SHA256(), MediaType: media, Size: staged.Size()})
	if err != nil {
		return BookPage{}, false, err
	}
	if err := s.append(ctx, c); err != nil {
		return BookPage{}, false, err
	}
	if b, err = s.oldBook(register); err != nil {
		return BookPage{}, false, err
	}
	pg, _ := b.Page(n)
	return pg, true, nil
}

// PageContent opens the scan of page n of an old book.
func (s *Service) PageContent(p Principal, register string, n int) (BookPage, io.ReadCloser, error) {
	b, err := s.oldBook(register)
	if err != nil {
		return BookPage{}, nil, err
	}
	pg, ok := b.Page(n)
	if !ok {
		return BookPage{}, nil, Errorf(ENotFound, "page", "Trang %d chưa có ảnh quét.", "page %d has no scan", n)
	}
	if s.cfg.Blobs == nil {
		return BookPage{}, nil, noBlobStore()
	}
	if ok, err := s.cfg.Blobs.HasBlob(pg.SHA256); err != nil {
		return BookPage{}, nil, Internal(err)
	} else if !ok {
		return BookPage{}, nil, Errorf(EUnavailable, "page", "Ảnh quét này chưa được đồng bộ về máy, vui lòng thử lại sau ít phút.",
			"this scan has not been copied to this PC yet, try again in a few minutes")
	}
	rc, err := s.cfg.Blobs.Blob(pg.SHA256)
	if err != nil {
		return BookPage{}, nil, Internal(err)
	}
	return pg, rc, nil
}

// checkTranscription validates and tidies a typing of an entry of book b:
// every problem at once.
func (s *Service) checkTranscription(b Book, in Transcription) (Transcription, error) {
	var probs Problems
	if _, ok := b.Page(in.Page); !ok {
		probs.Add(Errorf(EInvalid, "page", "Trang %d của sổ chưa có ảnh quét: hãy đính kèm ảnh trang trước khi nhập.",
			"page %d of the book has no scan: attach the page before typing its entries", in.Page))
	}
	if d, err := time.ParseInLocation("2006-01-02", in.RegisteredOn, vnZone); err != nil {
		probs.Add(Errorf(EInvalid, "registered_on", "Ngày đăng ký không hợp lệ.", "The registration date is not a date"))
	} else if d.Year() < b.Year || d.Year() > b.Year+1 {
		probs.Add(Errorf(EInvalid, "registered_on", "Ngày đăng ký phải thuộc năm %d của sổ.", "The registration date must be in the book's year %d", b.Year))
	}
	for _, f := range []struct {
		v     *string
		field string
	}{{&in.Signer, "signer"}, {&in.SignerTitle, "signer_title"}} {
		*f.v = strings.Join(strings.Fields(CleanText(*f.v)), " ")
		if utf8.RuneCountInString(*f.v) > 100 {
			probs.Add(Errorf(EInvalid, f.field, "Quá dài (tối đa 100 ký tự).", "Too long (at most 100 characters)"))
		}
	}
	facts, err := CheckFacts(b.Kind, in.Facts, s.Now())
	probs.Add(err)
	in.Facts = facts
	return in, probs.Err()
}

// Transcribe records one official's typing of entry n of an old book. The
// second typing must come from another official; it is compared with the
// first in the fold.
func (s *Service) Transcribe(ctx context.Context, p Principal, register string, n int, in Transcription) (DraftEntry, error) {
	if !canDigitise(p) {
		return DraftEntry{}, forbidden()
	}
	b, err := s.oldBook(register)
	if err != nil {
		return DraftEntry{}, err
	}
	if n < 1 || n > MaxBookEntries {
		return DraftEntry{}, Errorf(EInvalid, "number", "Số đăng ký phải từ 1 đến %d.", "the entry number is between 1 and %d", MaxBookEntries)
	}
	if in, err = s.checkTranscription(b, in); err != nil {
		return DraftEntry{}, err
	}
	unlock := s.lockDossier(EntryEntity(register, n))
	defer unlock()
	e, _, err := s.cfg.Reader.EntryState(register, n)
	if err != nil {
		return DraftEntry{}, Internal(err)
	}
	switch {
	case e.Digitise == DigitVerified:
		return DraftEntry{}, Errorf(EConflict, "number", "Số %d đã được nhập hai lần và đối chiếu xong.", "entry %d is verified already", n)
	case slices.Contains(e.Transcribers(), p.Username):
		return DraftEntry{}, Errorf(EConflict, "number", "Bạn đã nhập số %d: lần nhập thứ hai phải do cán bộ khác thực hiện.",
			"you typed entry %d already: the second typing must be another official's", n)
	case len(e.Transcripts) >= 2:
		return DraftEntry{}, Errorf(EConflict, "number", "Số %d đã được nhập hai lần và đang chờ đối chiếu.", "entry %d was typed twice and awaits the third look", n)
	}
	c, err := s.commandAfter(e.LastAt, KindEntryTranscribe, p.Username, &TranscribeBody{Register: register, Kind: b.Kind,
		Year: b.Year, Book: b.Book, Number: n, Entry: in})
	if err != nil {
		return DraftEntry{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return DraftEntry{}, err
	}
	if e, _, err = s.cfg.Reader.EntryState(register, n); err != nil {
		return DraftEntry{}, Internal(err)
	}
	return draftOf(e, p), nil
}

// Settle records the third look at an entry two typings differ on: values
// holds the value read on the page for each field that differs.
func (s *Service) Settle(ctx context.Context, p Principal, register string, n int, values map[string]string) (Entry, error) {
	if !canDigitise(p) {
		return Entry{}, forbidden()
	}
	b, err := s.oldBook(register)
	if err != nil {
		return Entry{}, err
	}
	unlock := s.lockDossier(EntryEntity(register, n))
	defer unlock()
	e, _, err := s.cfg.Reader.EntryState(register, n)
	if err != nil {
		return Entry{}, Internal(err)
	}
	switch {
	case e.Digitise != DigitDisputed:
		return Entry{}, Errorf(EConflict, "number", "Số %d không có chỗ khác nhau cần đối chiếu.", "entry %d has no differences to settle", n)
	case slices.Contains(e.Transcribers(), p.Username):
		return Entry{}, Errorf(EForbidden, "number", "Người đối chiếu phải là cán bộ thứ ba, không phải người đã nhập số %d.",
			"the third look must be another official than those who typed entry %d", n)
	}
	var probs Problems
	t := e.Transcripts[0].Transcription
	t.Facts = cloneFacts(t.Facts)
	for _, f := range e.Differences {
		v, ok := values[f]
		if !ok {
			probs.Add(Errorf(EInvalid, "values."+f, "Cần chọn giá trị đúng theo sổ.", "Choose the value written in the book"))
			continue
		}
		if !SetTranscriptField(&t, f, strings.TrimSpace(v)) {
			probs.Add(Errorf(EInvalid, "values."+f, "Giá trị không hợp lệ.", "Not a valid value"))
		}
	}
	for f := range values {
		if !slices.Contains(e.Differences, f) {
			probs.Add(Errorf(EInvalid, "values."+f, "Mục này hai lần nhập đã giống nhau.", "The two typings agree on this field"))
		}
	}
	if err := probs.Err(); err != nil {
		return Entry{}, err
	}
	checked, err := s.checkTranscription(b, t)
	if err != nil {
		return Entry{}, err
	}
	// The values as checked (tidied), for exactly the fields that differ.
	settled := make(map[string]string, len(e.Differences))
	for _, f := range e.Differences {
		v, _ := TranscriptField(&checked, f, false)
		settled[f] = *v
	}
	c, err := s.commandAfter(e.LastAt, KindEntrySettle, p.Username, &SettleBody{Register: register, Number: n, Values: settled})
	if err != nil {
		return Entry{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return Entry{}, err
	}
	return s.cfg.Reader.Entry(register, n)
}

// DraftEntry is an entry of an old book as one official may see it while
// it is being digitised: the second typist sees neither the first's values
// nor the differences (the typing is blind); the third look sees both
// typings of the fields that differ.
type DraftEntry struct {
	Number      int               `json:"number"`
	Status      string            `json:"status"` // DigitAwaiting | DigitDisputed | DigitVerified
	TypedBy     []string          `json:"typed_by"`
	Mine        *Transcription    `json:"mine,omitempty"`        // what the viewer typed
	Differences []Difference      `json:"differences,omitempty"` // the third look only
	Settled     map[string]string `json:"settled,omitempty"`
	Subject     string            `json:"subject,omitempty"` // verified entries: the name registered
}

// Difference is a field two typings differ on, with both values.
type Difference struct {
	Field  string    `json:"field"`
	Values [2]string `json:"values"`
}

func draftOf(e Entry, p Principal) DraftEntry {
	d := DraftEntry{Number: e.Number, Status: e.Digitise, TypedBy: e.Transcribers(), Settled: e.Settled}
	typist := false
	for _, t := range e.Transcripts {
		if t.By == p.Username {
			tr := t.Transcription
			d.Mine, typist = &tr, true
		}
	}
	if e.Digitise == DigitVerified {
		d.Subject = e.Facts.Subject.FullName
	}
	if e.Digitise == DigitDisputed && !typist {
		for _, f := range e.Differences {
			a, _ := TranscriptField(&e.Transcripts[0].Transcription, f, false)
			b, _ := TranscriptField(&e.Transcripts[1].Transcription, f, false)
			d.Differences = append(d.Differences, Difference{Field: f, Values: [2]string{*a, *b}})
		}
	}
	return d
}

// Progress counts the digitising of books: pages scanned, entries typed at
// least once, verified, and awaiting the third look.
type Progress struct {
	Pages    int `json:"pages"`
	Entries  int `json:"entries"`
	Verified int `json:"verified"`
	Disputed int `json:"disputed"`
}

func (p *Progress) add(o Progress) {
	p.Pages, p.Entries, p.Verified, p.Disputed = p.Pages+o.Pages, p.Entries+o.Entries, p.Verified+o.Verified, p.Disputed+o.Disputed
}

// BookProgress is one old book and its progress.
type BookProgress struct {
	ID     string       `json:"id"`
	Kind   RegisterKind `json:"kind"`
	KindVi string       `json:"kind_vi"`
	Year   int          `json:"year"`
	Book   string       `json:"book"`
	Progress
}

// DigitiseProgress is the digitising of the commune's books: each book and the total.
type DigitiseProgress struct {
	Books []BookProgress `json:"books"`
	Total Progress       `json:"total"`
}

// BookDigitising is an old book as seen by an official digitising it.
type BookDigitising struct {
	Book     Book         `json:"book"`
	Progress Progress     `json:"progress"`
	Entries  []DraftEntry `json:"entries"`
}

// BookStates is what counting the digitising needs: the books and the
// folded state of each entry of a book (a commune's store, or the hub's copy).
type BookStates interface {
	Books() ([]Book, error)
	EntryStates(register string, fn func(Entry) error) error
}

// DigitisingProgress counts the progress of every old book of the commune.
func DigitisingProgress(r BookStates) (DigitiseProgress, error) {
	books, err := r.Books()
	if err != nil {
		return DigitiseProgress{}, err
	}
	out := DigitiseProgress{Books: []BookProgress{}}
	for _, b := range books {
		if !b.Digitised {
			continue
		}
		pr, err := bookProgress(r, b, nil)
		if err != nil {
			return DigitiseProgress{}, err
		}
		out.Books = append(out.Books, BookProgress{ID: b.ID, Kind: b.Kind, KindVi: b.Kind.Vi(), Year: b.Year, Book: b.Book, Progress: pr})
		out.Total.add(pr)
	}
	slices.SortFunc(out.Books, func(a, b BookProgress) int {
		if a.Year != b.Year {
			return a.Year - b.Year
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// bookProgress counts a book's progress, calling each with every entry.
func bookProgress(r BookStates, b Book, each func(Entry)) (Progress, error) {
	pr := Progress{Pages: len(b.Pages)}
	err := r.EntryStates(b.ID, func(e Entry) error {
		if len(e.Transcripts) == 0 {
			return nil
		}
		pr.Entries++
		switch e.Digitise {
		case DigitVerified:
			pr.Verified++
		case DigitDisputed:
			pr.Disputed++
		}
		if each != nil {
			each(e)
		}
		return nil
	})
	return pr, err
}

// Digitising returns the commune's progress.
func (s *Service) Digitising(p Principal) (DigitiseProgress, error) {
	pr, err := DigitisingProgress(s.cfg.Reader)
	if err != nil {
		return DigitiseProgress{}, Internal(err)
	}
	return pr, nil
}

// OldBook returns an old book with its progress and its entries as p may see them.
func (s *Service) OldBook(p Principal, register string) (BookDigitising, error) {
	b, err := s.oldBook(register)
	if err != nil {
		return BookDigitising{}, err
	}
	out := BookDigitising{Book: b, Entries: []DraftEntry{}}
	out.Progress, err = bookProgress(s.cfg.Reader, b, func(e Entry) { out.Entries = append(out.Entries, draftOf(e, p)) })
	if err != nil {
		return BookDigitising{}, Internal(err)
	}
	return out, nil
}
