package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"xaso/app/calendar"
)

// What the province publishes down to its communes (DESIGN §5): catalog
// versions and the working calendar of a year. They arrive from the hub as
// commands, are replicated to every PC of the office like any other, and
// fold into one state per catalog version and per year. The service uses
// them at once (published_live.go): a catalog version for dossiers received
// on or after its effective date, a calendar for due dates computed after it
// arrives. Nothing already stored is rewritten.
const (
	KindCatalogPublish  = "catalog.publish"  // a full catalog version with its effective date
	KindCalendarPublish = "calendar.publish" // the official working calendar of one year
)

// Conflict reasons of published states.
const (
	ConflictCatalogVersionExists = "catalog_version_exists"      // the version was published before with other content: versions never change
	ConflictCalendarVersion      = "calendar_version_conflict"   // a year's version published twice with other content
	ConflictCalendarSuperseded   = "calendar_version_superseded" // an older version of the year stamped after a newer one
)

// CatalogBody publishes a catalog version: the JSON of a Catalog.
type CatalogBody struct {
	Catalog
}

var catalogVersionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Entity implements Body.
func (b *CatalogBody) Entity() string { return "catalog/" + b.Version }

func (b *CatalogBody) validate() error {
	if !catalogVersionPattern.MatchString(b.Version) {
		return Errorf(EInvalid, "version", "Phiên bản danh mục %q không hợp lệ: 1–64 chữ, số, dấu chấm, gạch nối hoặc gạch dưới.",
			"catalog version %q is not valid: 1–64 letters, digits, dots, hyphens or underscores", b.Version)
	}
	if _, err := time.ParseInLocation(time.DateOnly, b.EffectiveFrom, vnZone); err != nil {
		return Errorf(EInvalid, "effective_from", "Ngày hiệu lực %q không hợp lệ: cần dạng YYYY-MM-DD.",
			"effective_from %q is not a date YYYY-MM-DD", b.EffectiveFrom).WithCause(err)
	}
	if len(b.Procedures) == 0 {
		return Errorf(EInvalid, "procedures", "Danh mục phải có ít nhất một thủ tục.", "a catalog needs at least one procedure")
	}
	if err := b.Check(); err != nil {
		return Errorf(EInvalid, "procedures", "Danh mục phiên bản %s không hợp lệ: %v", "catalog version %s is not valid: %v",
			b.Version, err).WithCause(err)
	}
	return nil
}

// CatalogVersion is the state of one published catalog version. A version
// never changes once published (dossiers received under it keep its rules):
// the same version with other content is kept as a conflict.
type CatalogVersion struct {
	Catalog     Catalog    `json:"catalog"`
	CommandID   string     `json:"command_id,omitempty"`
	By          string     `json:"by,omitempty"`
	PublishedAt time.Time  `json:"published_at,omitzero"`
	Conflicts   []Conflict `json:"conflicts,omitempty"`
}

// Apply folds a catalog.publish command.
func (v *CatalogVersion) Apply(c Command, body Body) {
	b, ok := body.(*CatalogBody)
	if !ok {
		return
	}
	at := c.At.Time().In(vnZone)
	switch {
	case v.Catalog.Version == "":
		v.Catalog, v.CommandID, v.By, v.PublishedAt = b.Catalog, c.ID, c.Actor, at
	case !sameJSON(v.Catalog, b.Catalog):
		v.Conflicts = append(v.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: ConflictCatalogVersionExists})
	}
}

// CalendarBody publishes the official working calendar of one year, in the
// shape of the built-in ones (app/calendar/official): the days off and the
// swapped working days, with the office hours and the same-day cut-off when
// they change. A later Version of the same year replaces an earlier one.
type CalendarBody struct {
	Year          int                 `json:"year"`
	Version       int                 `json:"version"`
	Source        string              `json:"source"`
	Days          []calendar.Override `json:"days"`
	Hours         []calendar.Span     `json:"hours,omitempty"`
	SameDayCutoff *calendar.Clock     `json:"same_day_cutoff,omitempty"`
}

// Entity implements Body.
func (b *CalendarBody) Entity() string { return fmt.Sprintf("calendar/%04d", b.Year) }

// Years a calendar may be published for.
const (
	minCalendarYear = 2000
	maxCalendarYear = 2199
)

func (b *CalendarBody) validate() error {
	switch {
	case b.Year < minCalendarYear || b.Year > maxCalendarYear:
		return Errorf(EInvalid, "year", "Năm %d không hợp lệ (từ %d đến %d).", "year %d is not valid (%d to %d)",
			b.Year, minCalendarYear, maxCalendarYear)
	case b.Version < 1:
		return Errorf(EInvalid, "version", "Số phiên bản lịch phải từ 1 trở lên.", "the calendar version must be 1 or more")
	case strings.TrimSpace(b.Source) == "" || utf8.RuneCountInString(b.Source) > 2000 || !utf8.ValidString(b.Source):
		return Errorf(EInvalid, "source", "Cần ghi căn cứ (văn bản quyết định lịch nghỉ), tối đa 2000 ký tự.",
			"source (the decision the calendar comes from) is required, at most 2000 characters")
	case len(b.Days) > 366:
		return Errorf(EInvalid, "days", "Một năm có tối đa 366 ngày.", "a year has at most 366 days")
	}
	if _, err := calendar.New(b.config(calendar.Config{})); err != nil {
		var ce *calendar.Error
		if errors.As(err, &ce) {
			field := strings.TrimPrefix(ce.Field, "years[0].")
			return (&Error{Code: EInvalid, Field: field, Message: ce.Message, English: ce.English}).WithCause(err)
		}
		return Errorf(EInvalid, "days", "Lịch năm %d không hợp lệ.", "the calendar of %d is not valid", b.Year).WithCause(err)
	}
	return nil
}

// config lays the year over base: its days replace the built-in official
// year, and its hours and cut-off apply where base sets none.
func (b *CalendarBody) config(base calendar.Config) calendar.Config {
	cfg := base
	cfg.Years = append(slices.Clip(base.Years), calendar.Official{Year: b.Year, Source: b.Source, Days: b.Days})
	if len(cfg.Hours) == 0 && len(b.Hours) > 0 {
		cfg.Hours = b.Hours
	}
	if cfg.SameDayCutoff == (calendar.Clock{}) && b.SameDayCutoff != nil {
		cfg.SameDayCutoff = *b.SameDayCutoff
	}
	return cfg
}

// CalendarYear is the state of one year's published calendar: the highest
// version wins whatever order the versions arrive in.
type CalendarYear struct {
	Calendar    CalendarBody `json:"calendar"`
	CommandID   string       `json:"command_id,omitempty"`
	By          string       `json:"by,omitempty"`
	PublishedAt time.Time    `json:"published_at,omitzero"`
	Conflicts   []Conflict   `json:"conflicts,omitempty"`
}

// Apply folds a calendar.publish command.
func (y *CalendarYear) Apply(c Command, body Body) {
	b, ok := body.(*CalendarBody)
	if !ok {
		return
	}
	at := c.At.Time().In(vnZone)
	conflict := func(reason string) {
		y.Conflicts = append(y.Conflicts, Conflict{CommandID: c.ID, By: c.Actor, At: at, Reason: reason})
	}
	switch cur := y.Calendar.Version; {
	case b.Version > cur:
		y.Calendar, y.CommandID, y.By, y.PublishedAt = *b, c.ID, c.Actor, at
	case b.Version < cur:
		conflict(ConflictCalendarSuperseded)
	case !sameJSON(y.Calendar, *b):
		conflict(ConflictCalendarVersion)
	}
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// NewPublishCommand builds a command the province sends down to its
// communes (the hub's publish entry): kind must be one the hub may send (a
// FromHub row of the kind table) and body a valid body of it. Anything else
// is refused with a coded error (EInvalid) and nothing is built. The body is
// stored in its canonical form. An empty id makes a time-ordered one.
func NewPublishCommand(id, kind, actor, node string, at HLC, body json.RawMessage) (Command, error) {
	k, ok := LookupKind(kind)
	if !ok || !k.FromHub {
		return Command{}, Errorf(EInvalid, "kind", "Loại lệnh %q không được gửi từ tỉnh xuống xã.",
			"kind %q cannot be sent down from the province", kind)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Command{}, Errorf(EInvalid, "body", "Thiếu nội dung lệnh.", "the body is missing")
	}
	probe := Command{ID: "probe-00000000", Kind: kind, V: 1, Node: "probe", At: 1, Body: body}
	b, err := probe.Decode()
	if err != nil {
		return Command{}, publishError(err)
	}
	if cb, ok := b.(*CatalogBody); ok {
		if err := notBuiltIn(cb.Version); err != nil {
			err.Field = "body.version"
			return Command{}, err
		}
	}
	return newPublished(id, kind, actor, node, at, b)
}

// notBuiltIn refuses to publish a catalog under the name of the built-in
// one: dossiers received under it must keep its rules. (Checked when the
// command is built, not in the fold: a later binary may name its built-in
// catalog otherwise, and a stored command must stay valid for ever.)
func notBuiltIn(version string) *Error {
	def, err := DefaultCatalog()
	if err == nil && def.Version == version {
		return Errorf(EInvalid, "version", "Phiên bản %q là danh mục có sẵn trong phần mềm; hãy đặt tên phiên bản khác.",
			"version %q is the built-in catalog; name the version otherwise", version)
	}
	return nil
}

// NewCatalogPublish builds a catalog.publish command for catalog c; an
// invalid catalog is refused (EInvalid).
func NewCatalogPublish(id, actor, node string, at HLC, c Catalog) (Command, error) {
	b := &CatalogBody{Catalog: c}
	if err := b.validate(); err != nil {
		return Command{}, err
	}
	if err := notBuiltIn(c.Version); err != nil {
		return Command{}, err
	}
	return newPublished(id, KindCatalogPublish, actor, node, at, b)
}

// NewCalendarPublish builds a calendar.publish command for one year; an
// invalid calendar is refused (EInvalid).
func NewCalendarPublish(id, actor, node string, at HLC, y CalendarBody) (Command, error) {
	if err := y.validate(); err != nil {
		return Command{}, err
	}
	return newPublished(id, KindCalendarPublish, actor, node, at, &y)
}

func newPublished(id, kind, actor, node string, at HLC, b Body) (Command, error) {
	if id == "" {
		id = fmt.Sprintf("%016x", uint64(at)) + RandomID()[:16]
	}
	c, err := NewCommand(id, kind, actor, node, at, b)
	if err != nil {
		return Command{}, Internal(err)
	}
	if err := c.Check(); err != nil {
		return Command{}, Errorf(EInvalid, "", "Lệnh không hợp lệ.", "the command is not valid").WithCause(err)
	}
	return c, nil
}

// publishError turns a body that does not decode into a coded error; the
// body's own coded error (validate) is kept as it is.
func publishError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Field != "" && !strings.HasPrefix(c.Field, "body") {
			c.Field = "body." + c.Field
		}
		return &c
	}
	return Errorf(EInvalid, "body", "Nội dung lệnh không đọc được: sai định dạng hoặc có trường lạ.",
		"the body does not decode: bad JSON or an unknown field").WithCause(err)
}
