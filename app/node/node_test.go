package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
)

func open(t *testing.T, dir string, now time.Time) (*Node, error) {
	return Open(context.Background(), Config{Dir: dir, Commune: "14701", Agency: "000.00.31.H42", AdminPassword: "admin-password",
		Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Now: func() time.Time { return now }})
}

// TestCalendarFileOverridesRules: the province's calendar for the year, put
// in the data folder, decides the due dates.
func TestCalendarFileOverridesRules(t *testing.T) {
	dir := t.TempDir()
	cal := `{"overrides":[{"date":"2026-03-02","off":true,"name":"Nghỉ bù"}]}`
	if err := os.WriteFile(filepath.Join(dir, CalendarFile), []byte(cal), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, app.VN())
	n, err := open(t, dir, now)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p := app.Principal{Username: "admin", Roles: []app.Role{app.RoleReceiver}}
	d, err := n.Service.Receive(context.Background(), p, app.ReceiveInput{ProcedureCode: "1.001193",
		Applicant: app.Applicant{FullName: "Lê Văn Tám", IDNumber: "037090001234"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 3, 17, 0, 0, 0, app.VN()); !d.DueAt.Equal(want) {
		t.Errorf("due %s on a day the calendar file makes off, want %s", d.DueAt, want)
	}
}

func TestBadCalendarFileStopsStart(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, CalendarFile), []byte(`{"hours":[{"from":"17:00","to":"07:00"}]}`), 0o600)
	if _, err := open(t, dir, time.Now()); err == nil || !strings.Contains(err.Error(), CalendarFile) {
		t.Fatalf("a bad calendar file was accepted: %v", err)
	}
}
