package store

import (
	"context"
	"testing"
	"time"

	"xaso/app"
)

// Users and the commune are read from memory until a setup command folds
// or a state snapshot replaces the file; then the new values are read.
func TestSetupCache(t *testing.T) {
	s := openTest(t)
	g := &gen{at: t0}
	ctx := context.Background()
	kind := app.KindUserCreate
	user := func(name string) app.Command {
		defer func() { kind = app.KindUserUpdate }()
		return g.cmd(t, kind, "system", "na", time.Minute,
			&app.UserBody{Username: "mai", FullName: name, Roles: []app.Role{app.RoleReceiver}, PasswordHash: "h"})
	}
	commune := func(agency string) app.Command {
		return g.cmd(t, app.KindCommuneConfigure, "system", "na", time.Minute, &app.CommuneConfig{Commune: "14701", Agency: agency})
	}
	if err := s.Append(ctx, user("Mai"), commune("000.00.31.H42")); err != nil {
		t.Fatal(err)
	}
	check := func(when, name, agency string) {
		t.Helper()
		u, err := s.User("mai")
		if err != nil || u.FullName != name {
			t.Fatalf("%s: user %q (%v), want %q", when, u.FullName, err, name)
		}
		u.Roles[0] = app.RoleAdmin // a caller's change stays its own
		c, ok, err := s.Commune()
		if err != nil || !ok || c.Agency != agency {
			t.Fatalf("%s: commune %+v %v %v, want agency %s", when, c, ok, err, agency)
		}
	}
	check("first read", "Mai", "000.00.31.H42")
	before := s.DB().Stats().TxN
	check("read again", "Mai", "000.00.31.H42")
	if u, _ := s.User("mai"); u.Roles[0] != app.RoleReceiver {
		t.Fatalf("the kept user was changed by a caller: %v", u.Roles)
	}
	if n := s.DB().Stats().TxN - before; n != 0 {
		t.Errorf("reads of a kept user and commune opened %d transactions", n)
	}
	if err := s.Apply(ctx, user("Mai Lan"), commune("000.00.31.H43")); err != nil { // from a peer
		t.Fatal(err)
	}
	check("after a peer's change", "Mai Lan", "000.00.31.H43")
	if err := s.Append(ctx, user("Mai Anh")); err != nil {
		t.Fatal(err)
	}
	check("after this PC's change", "Mai Anh", "000.00.31.H43")
	if _, err := s.User("lan"); app.ErrorCode(err) != app.ENotFound {
		t.Fatalf("an unknown user: %v", err)
	}
}
