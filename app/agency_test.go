package app_test

import (
	"context"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/calendar"
	"xaso/store"
)

// Agency electronic ID codes (Decision 20/2020/QĐ-TTg, amended by 09/2025;
// domain/README "Codes"): the right-to-left form 000.00.31.H42 and the form
// some provinces use since 2025, H15.50.05.12, are both accepted by shape,
// and a dossier code built on either parses back.
func TestAgencyCodeShapes(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"000.00.31.H42", true},
		{"000.17.22.H56", true},
		{"H15.50.05.12", true},
		{"H42.01.02.03", true},
		{"000.00.31.h42", false},
		{"00.00.31.H42", false},
		{"H15.50.05", false},
		{"H15.50.05.123", false},
		{"15H.50.05.12", false},
		{"000.00.31.H42.01", false},
		{"", false},
	} {
		t.Run(tc.code, func(t *testing.T) {
			if got := app.ValidAgencyCode(tc.code); got != tc.ok {
				t.Fatalf("ValidAgencyCode(%q) = %v, want %v", tc.code, got, tc.ok)
			}
			if !tc.ok {
				return
			}
			code := app.FormatCode(tc.code, time.Date(2026, 5, 4, 9, 0, 0, 0, app.VN()), 361)
			agency, day, n, err := app.ParseCode(code)
			if err != nil || agency != tc.code || day != "260504" || n != 361 {
				t.Fatalf("ParseCode(%q) = %q %q %d %v", code, agency, day, n, err)
			}
		})
	}
}

// A commune can be set up with either form; a malformed code is refused.
func TestBootstrapAgencyShapes(t *testing.T) {
	for _, tc := range []struct {
		agency string
		ok     bool
	}{{"H15.50.05.12", true}, {"000.00.31.H42", true}, {"H15.50.05", false}} {
		t.Run(tc.agency, func(t *testing.T) {
			st, err := store.Open(store.Config{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			cat, _ := app.DefaultCatalog()
			now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, app.VN()) }
			svc, err := app.NewService(app.Config{Node: st.NodeID(), Log: st, Reader: st, Sessions: st,
				Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Calendar: calendar.Default(),
				Catalogs: app.NewCatalogs(cat), Clock: app.NewClock(now, 0), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			err = svc.Bootstrap(context.Background(), "14701", tc.agency, "admin-password")
			if tc.ok && err != nil || !tc.ok && app.ErrorCode(err) != app.EInvalid {
				t.Fatalf("Bootstrap with %s: %v, want ok %v", tc.agency, err, tc.ok)
			}
		})
	}
}
