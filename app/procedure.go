package app

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"xaso/app/calendar"
)

// DeadlineRule says how a procedure's statutory time is counted:
// "same_day" (due at closing; after the 15:00 cut-off, the next working day),
// "working_hours" (8 h = one working day), or "calendar_days".
type DeadlineRule = calendar.Rule

// Procedure is one administrative procedure of the catalog.
type Procedure struct {
	Code    string       `json:"code"`
	Name    string       `json:"name"`
	NameEn  string       `json:"name_en"`
	Field   string       `json:"field"`
	Rule    DeadlineRule `json:"rule"`
	FeeVND  int          `json:"fee_vnd"`
	FeeNote string       `json:"fee_note,omitempty"`
	// FeeNoteEn is the fee note in English for the English UI.
	FeeNoteEn string `json:"fee_note_en,omitempty"`
	// FeeBasis: free by law, national amount, or set by the province (app/fee.go).
	FeeBasis FeeBasis `json:"fee_basis,omitempty"`
	// FeeOnlineVND is the reduced fee for filing online a provincial resolution sets, if any.
	FeeOnlineVND *int       `json:"fee_online_vnd,omitempty"`
	Documents    []Document `json:"documents"`
	// Extension is the longer time the law allows in a stated case
	// (verification); nil: none (app/extension.go).
	Extension *Extension `json:"extension,omitempty"`
	// Register is the civil-status register a resolved dossier of the
	// procedure is entered in (app/registers.go); empty: none.
	Register RegisterKind `json:"register,omitempty"`
}

// Catalog is a version of the procedure list, in force from a date. The
// province pushes new versions; a dossier keeps the version it was received under.
type Catalog struct {
	Version       string      `json:"version"`
	EffectiveFrom string      `json:"effective_from"` // YYYY-MM-DD, Asia/Ho_Chi_Minh
	Source        string      `json:"source,omitempty"`
	Procedures    []Procedure `json:"procedures"`
	// Supplement is how the deadline runs when a dossier must be completed;
	// absent, the rule of Decree 61/2018 art. 19(4) (DefaultSupplementRule).
	Supplement *SupplementRule `json:"supplement,omitempty"`
}

//go:embed catalog/default.json
var defaultCatalogJSON []byte

// DefaultCatalog returns the built-in catalog, used until the province sends one.
func DefaultCatalog() (Catalog, error) {
	var c Catalog
	if err := json.Unmarshal(defaultCatalogJSON, &c); err != nil {
		return Catalog{}, fmt.Errorf("built-in catalog: %w", err)
	}
	return c, c.Check()
}

// Check validates a catalog version.
func (c Catalog) Check() error {
	if c.Version == "" {
		return fmt.Errorf("catalog: empty version")
	}
	if _, err := time.ParseInLocation("2006-01-02", c.EffectiveFrom, vnZone); err != nil {
		return fmt.Errorf("catalog %s: effective_from: %w", c.Version, err)
	}
	seen := map[string]bool{}
	for _, p := range c.Procedures {
		if p.Code == "" || p.Name == "" || seen[p.Code] {
			return fmt.Errorf("catalog %s: procedure %q: empty or duplicate", c.Version, p.Code)
		}
		seen[p.Code] = true
		if err := p.Rule.Validate(); err != nil {
			return fmt.Errorf("catalog %s: procedure %s: %w", c.Version, p.Code, err)
		}
		if err := p.checkFee(); err != nil {
			return fmt.Errorf("catalog %s: procedure %s: %w", c.Version, p.Code, err)
		}
		if p.Register != "" && !p.Register.Valid() {
			return fmt.Errorf("catalog %s: procedure %s: unknown register %q", c.Version, p.Code, p.Register)
		}
		if p.Extension != nil {
			if err := p.Extension.check(p.Rule); err != nil {
				return fmt.Errorf("catalog %s: procedure %s: %w", c.Version, p.Code, err)
			}
		}
	}
	if c.Supplement != nil {
		if err := c.Supplement.check(); err != nil {
			return fmt.Errorf("catalog %s: supplement: %w", c.Version, err)
		}
	}
	return nil
}

// Catalogs holds every known catalog version and answers which is in force.
type Catalogs struct{ versions []Catalog }

// NewCatalogs orders the versions by effective date, and versions in force
// from the same date by version (digits compared as numbers): of two
// versions effective the same day the later one is in force.
func NewCatalogs(versions ...Catalog) *Catalogs {
	vs := append([]Catalog(nil), versions...)
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].EffectiveFrom != vs[j].EffectiveFrom {
			return vs[i].EffectiveFrom < vs[j].EffectiveFrom
		}
		return CompareVersions(vs[i].Version, vs[j].Version) < 0
	})
	return &Catalogs{versions: vs}
}

// CompareVersions orders version names with their runs of digits compared
// as numbers: "2026.2" < "2026.10" < "2026.10a".
func CompareVersions(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitRun splits s into its leading digits (without leading zeros) and the rest.
func digitRun(s string) (digits, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return strings.TrimLeft(s[:i], "0"), s[i:]
}

// At returns the catalog in force at t (the oldest one if t precedes them all).
func (cs *Catalogs) At(t time.Time) Catalog {
	if len(cs.versions) == 0 {
		return Catalog{}
	}
	day := t.In(vnZone).Format("2006-01-02")
	cur := cs.versions[0]
	for _, v := range cs.versions {
		if v.EffectiveFrom <= day {
			cur = v
		}
	}
	return cur
}

// Version returns the catalog version named v: the rules a dossier was
// received under. ok is false for a version this node does not hold.
func (cs *Catalogs) Version(v string) (Catalog, bool) {
	for _, c := range cs.versions {
		if c.Version == v {
			return c, true
		}
	}
	return Catalog{}, false
}

// Lookup finds a procedure in the catalog in force at t.
func (cs *Catalogs) Lookup(code string, t time.Time) (Procedure, string, bool) {
	c := cs.At(t)
	for _, p := range c.Procedures {
		if p.Code == code {
			return p, c.Version, true
		}
	}
	return Procedure{}, "", false
}
