package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"xaso/app"
)

// An admin names a PC (any node ID, on or off); the name is cleaned, a
// blank one clears it; nobody else may, and a bad request changes nothing.
func TestNamePC(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	ctx := context.Background()
	admin := f.users[app.RoleAdmin]
	for _, tc := range []struct {
		name       string
		p          app.Principal
		node, text string
		wantCode   string
		want       string // the stored name after it
	}{
		{"admin names an off PC", admin, "n0123456789abcdef", "  Tiếp   nhận 2\u202e ", "", "Tiếp nhận 2"},
		{"a receiver may not", f.users[app.RoleReceiver], "n0123456789abcdef", "Của tôi", app.EForbidden, "Tiếp nhận 2"},
		{"no PC", admin, "", "Máy", app.EInvalid, "Tiếp nhận 2"},
		{"too long", admin, "n0123456789abcdef", strings.Repeat("Máy ", 11), app.EInvalid, "Tiếp nhận 2"},
		{"cleared", admin, "n0123456789abcdef", " ", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.NamePC(ctx, tc.p, tc.node, tc.text)
			var e *app.Error
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatal(err)
			case tc.wantCode != "" && (!errors.As(err, &e) || e.Code != tc.wantCode):
				t.Fatalf("error %v, want %s", err, tc.wantCode)
			}
			names, err := f.st.PCNames()
			if err != nil {
				t.Fatal(err)
			}
			if got := names["n0123456789abcdef"]; got != tc.want {
				t.Errorf("stored name %q, want %q", got, tc.want)
			}
		})
	}
}
