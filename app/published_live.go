package app

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"xaso/app/calendar"
)

// PublishedReader reads what the province published, as the store applied
// it (app/publish.go).
type PublishedReader interface {
	// PublishedStamp changes whenever a catalog or calendar is published.
	PublishedStamp() (uint64, error)
	CatalogVersions() ([]CatalogVersion, error)
	CalendarYears() ([]CalendarYear, error)
}

// Published is the catalogs and the working calendar in force on this PC:
// the built-in ones (and the data folder's calendar, which wins day by day
// and for office hours) with what the province published laid over them.
// Each use reads the store's stamp and rebuilds after a publish, so a
// command replicated from another PC takes effect at its next use.
type Published struct {
	src    PublishedReader
	base   []Catalog
	cal    calendar.Config
	now    func() time.Time
	logger *slog.Logger

	mu       sync.Mutex
	key      publishedKey
	catalogs *Catalogs
	calendar *calendar.Calendar
}

// publishedKey is what a build depends on: the store's stamp, and the year
// (published office hours apply from the year that carries them).
type publishedKey struct {
	stamp uint64
	year  int
}

// NewPublished builds the catalogs and calendar from base (the built-in
// catalog versions), cal (the local calendar configuration: zero fields are
// not set) and what src holds. now is the service's clock.
func NewPublished(src PublishedReader, base []Catalog, cal calendar.Config, now func() time.Time, logger *slog.Logger) (*Published, error) {
	if logger == nil {
		logger = slog.Default()
	}
	p := &Published{src: src, base: base, cal: cal, now: now, logger: logger}
	if _, err := calendar.New(cal); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	stamp, err := src.PublishedStamp()
	if err != nil {
		return nil, fmt.Errorf("read published stamp: %w", err)
	}
	if err := p.rebuild(publishedKey{stamp, now().In(vnZone).Year()}); err != nil {
		return nil, err
	}
	return p, nil
}

// Catalogs returns the catalog versions in force.
func (p *Published) Catalogs() *Catalogs {
	p.refresh()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.catalogs
}

// Calendar returns the working calendar in force.
func (p *Published) Calendar() *calendar.Calendar {
	p.refresh()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calendar
}

// refresh rebuilds after a publish (or a new year). A store that cannot be
// read keeps the last build: a receipt is never refused for it.
func (p *Published) refresh() {
	stamp, err := p.src.PublishedStamp()
	if err != nil {
		p.logger.Warn("published catalogs and calendar: stamp unreadable, keeping the last ones", "err", err)
		return
	}
	key := publishedKey{stamp, p.now().In(vnZone).Year()}
	p.mu.Lock()
	same := key == p.key
	p.mu.Unlock()
	if same {
		return
	}
	if err := p.rebuild(key); err != nil {
		p.logger.Error("published catalogs and calendar: rebuild failed, keeping the last ones", "err", err)
	}
}

func (p *Published) rebuild(key publishedKey) error {
	vs, err := p.src.CatalogVersions()
	if err != nil {
		return fmt.Errorf("read catalog versions: %w", err)
	}
	ys, err := p.src.CalendarYears()
	if err != nil {
		return fmt.Errorf("read calendar years: %w", err)
	}
	cats := mergeCatalogs(p.base, vs)
	cal, err := calendar.New(layCalendar(p.cal, ys, key.year))
	if err != nil {
		// The bodies were checked one by one; only their mix with the local
		// calendar can fail (a cut-off after the published closing time).
		p.logger.Error("published calendar does not fit the local calendar.json: using the local one", "err", err)
		if cal, err = calendar.New(p.cal); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.key, p.catalogs, p.calendar = key, NewCatalogs(cats...), cal
	return nil
}

// mergeCatalogs returns the built-in versions with the published ones; a
// published version of a built-in's name replaces it.
func mergeCatalogs(base []Catalog, published []CatalogVersion) []Catalog {
	out := make([]Catalog, 0, len(base)+len(published))
	names := map[string]bool{}
	for _, v := range published {
		if v.Catalog.Version != "" {
			names[v.Catalog.Version] = true
			out = append(out, v.Catalog)
		}
	}
	for _, c := range base {
		if !names[c.Version] {
			out = append(out, c)
		}
	}
	return out
}

// layCalendar lays the published years over the local configuration: each
// replaces the built-in official year unless the local file has that year,
// and the office hours and cut-off of the latest year up to thisYear that
// carries them apply where the local file sets none.
func layCalendar(local calendar.Config, years []CalendarYear, thisYear int) calendar.Config {
	cfg := local
	cfg.Years = append([]calendar.Official(nil), local.Years...)
	have := map[int]bool{}
	for _, y := range local.Years {
		have[y.Year] = true
	}
	var hours *CalendarBody
	var cutoff *CalendarBody
	for i := range years {
		b := &years[i].Calendar
		if b.Version == 0 || have[b.Year] {
			continue
		}
		have[b.Year] = true
		cfg.Years = append(cfg.Years, calendar.Official{Year: b.Year, Source: b.Source, Days: b.Days})
		if b.Year <= thisYear && len(b.Hours) > 0 && (hours == nil || b.Year > hours.Year) {
			hours = b
		}
		if b.Year <= thisYear && b.SameDayCutoff != nil && (cutoff == nil || b.Year > cutoff.Year) {
			cutoff = b
		}
	}
	if len(cfg.Hours) == 0 && hours != nil {
		cfg.Hours = hours.Hours
	}
	if cfg.SameDayCutoff == (calendar.Clock{}) && cutoff != nil {
		cfg.SameDayCutoff = *cutoff.SameDayCutoff
	}
	return cfg
}
