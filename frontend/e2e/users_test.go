//go:build e2e

package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUsersScreenManagesAccounts: the admin disables an official on the
// Users screen (their session answers 401 at once), sees it in the audit
// log, and an official changes their own password in its dialog.
func TestUsersScreenManagesAccounts(t *testing.T) {
	admin, err := world.login("admin", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"thuky", "vanthu"} {
		code, err := world.api("POST", "/users", admin, map[string]any{"username": u, "password": password(u),
			"full_name": "Nguyễn Thị Thư", "roles": []string{"receiver"}}, nil)
		if err != nil || code != http.StatusCreated {
			t.Fatalf("create %s: %d %v", u, code, err)
		}
	}
	thuky, err := world.login("thuky", password("thuky"))
	if err != nil {
		t.Fatal(err)
	}

	p := newPage(t, 1366, 768)
	p.signIn("admin", adminPassword)
	p.do(chromedp.Navigate(world.base + "/#/users"))
	p.waitFor(`tr[data-user="thuky"] button[data-act="disable"]`, "the disable button of thuky")
	eval[bool](p, `(() => { window.confirm = () => true; return true; })()`)
	p.click(`tr[data-user="thuky"] button[data-act="disable"]`)
	p.waitJS(`document.querySelector('tr[data-user="thuky"]')?.classList.contains('disabled') === true`, "thuky shown disabled")
	if code, _ := world.api("GET", "/me", thuky, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("a disabled official's session: HTTP %d, want 401", code)
	}
	p.waitFor(`#audit tr[data-event="user_update"]`, "the change in the audit log")

	// Reset a password through the dialog.
	p.click(`tr[data-user="vanthu"] button[data-act="password"]`)
	p.typeInto("#u-newpass", "vanthu-mới-2026\r")
	p.waitJS(`!document.querySelector('#user-edit')`, "the reset dialog closed")
	if _, err := world.login("vanthu", "vanthu-mới-2026"); err != nil {
		t.Fatalf("sign in with the reset password: %v", err)
	}
	// The full name printed on forms is corrected (issue 14, point 10).
	p.click(`tr[data-user="vanthu"] button[data-act="name"]`)
	p.retype("#u-editname", "Nguyễn Thị Văn Thư\r")
	p.waitText(`tr[data-user="vanthu"]`, "Nguyễn Thị Văn Thư")
	p.shot("40-users-manage")
	// Roles change, recorded in the audit log like the rest.
	p.click(`tr[data-user="vanthu"] button[data-act="roles"]`)
	p.click(`#user-edit input[value="specialist"]`)
	p.click(`#user-edit button[type="submit"]`)
	p.waitJS(`!document.querySelector('#user-edit')`, "the roles dialog closed")
	var users struct {
		Items []struct {
			Username string   `json:"username"`
			Roles    []string `json:"roles"`
		} `json:"items"`
	}
	if _, err := world.api("GET", "/users", admin, nil, &users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Items {
		if u.Username == "vanthu" && !slices.Contains(u.Roles, "specialist") {
			t.Fatalf("vanthu's roles after the change: %v", u.Roles)
		}
	}
	// In English the screen and the server's refusal are English, the
	// message starting with a capital.
	p.click("#lang")
	p.click(`tr[data-user="vanthu"] button[data-act="password"]`)
	p.typeInto("#u-newpass", "123\r")
	p.waitFor(`#user-edit p.error`, "the weak password refused")
	if msg := p.text(`#user-edit p.error`); msg == "" || hasVietnameseLetters(msg) || strings.ToUpper(msg[:1]) != msg[:1] {
		p.fail("the English refusal of a weak password is %q", msg)
	}
	p.shot("41-users-english")
	p.click("#lang")
	p.signOut()

	// The official changes their own password.
	p.signIn("vanthu", "vanthu-mới-2026")
	p.click("#my-password-open")
	p.typeInto("#me-old", "vanthu-mới-2026")
	p.typeInto("#me-new", "vanthu-lần-hai-2026")
	p.typeInto("#me-repeat", "vanthu-lần-hai-2026\r")
	p.waitFor(`#my-password p.ok`, "the password changed")
	if _, err := world.login("vanthu", "vanthu-lần-hai-2026"); err != nil {
		t.Fatalf("sign in with the new own password: %v", err)
	}
	// Still signed in on this page under the new token.
	p.do(chromedp.Navigate(world.base + "/#/dashboard"))
	p.waitFor("header nav", "still signed in")
	if p.exists("#username") {
		p.fail("the page was signed out after changing the password")
	}
}
