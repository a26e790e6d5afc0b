package app_test

import (
	"errors"
	"strings"
	"testing"

	"xaso/app"
	"xaso/app/calendar"
)

func TestCatalogCheckRules(t *testing.T) {
	catalog := func(r app.DeadlineRule) app.Catalog {
		return app.Catalog{Version: "test-1", EffectiveFrom: "2026-01-01",
			Procedures: []app.Procedure{{Code: "1.000001", Name: "Thủ tục thử", Rule: r}}}
	}
	for _, tc := range []struct {
		name  string
		rule  app.DeadlineRule
		field string // "" when the rule is valid
	}{
		{"same day", app.DeadlineRule{Kind: calendar.SameDay}, ""},
		{"working hours", app.DeadlineRule{Kind: calendar.WorkingHours, Hours: 24}, ""},
		{"calendar days", app.DeadlineRule{Kind: calendar.CalendarDays, Days: 15}, ""},
		{"most hours", app.DeadlineRule{Kind: calendar.WorkingHours, Hours: calendar.MaxRuleHours}, ""},
		// Each of these passed the old check; Calendar.Due then gave the
		// zero time and the dossier was stored without a due date.
		{"hours with days", app.DeadlineRule{Kind: calendar.WorkingHours, Hours: 8, Days: 3}, "rule.days"},
		{"too many hours", app.DeadlineRule{Kind: calendar.WorkingHours, Hours: 99999}, "rule.hours"},
		{"too many days", app.DeadlineRule{Kind: calendar.CalendarDays, Days: 99999}, "rule.days"},
		{"days with hours", app.DeadlineRule{Kind: calendar.CalendarDays, Days: 3, Hours: 8}, "rule.hours"},
		{"same day with days", app.DeadlineRule{Kind: calendar.SameDay, Days: 1}, "rule"},
		{"no hours", app.DeadlineRule{Kind: calendar.WorkingHours}, "rule.hours"},
		{"no days", app.DeadlineRule{Kind: calendar.CalendarDays}, "rule.days"},
		{"unknown kind", app.DeadlineRule{Kind: "weeks", Days: 2}, "rule.kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := catalog(tc.rule).Check()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			var cerr *calendar.Error
			if !errors.As(err, &cerr) || cerr.Field != tc.field {
				t.Fatalf("Check() = %v, want a calendar error on %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), "catalog test-1: procedure 1.000001") {
				t.Errorf("Check() = %q, want the catalog and procedure named", err)
			}
		})
	}
}

// The built-in catalog names every procedure, paper and fee note in English
// too (issue 14, point 10: the English UI shows what the catalog carries).
func TestDefaultCatalogCarriesEnglishNames(t *testing.T) {
	c, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Procedures {
		if p.NameEn == "" || (p.FeeNote != "" && p.FeeNoteEn == "") {
			t.Errorf("%s: name_en %q, fee_note_en %q", p.Code, p.NameEn, p.FeeNoteEn)
		}
		for _, d := range p.Documents {
			if d.NameEn == "" || d.NameEn == d.Name {
				t.Errorf("%s: paper %q has no English name", p.Code, d.Name)
			}
		}
	}
}
