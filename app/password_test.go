package app

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		user, pw, code string
	}{
		{"lan", "lan-mat-khau-7", ""},
		{"lan", "Hoa sen nở 2026", ""},
		{"lan", "short1", EWeakPassword},
		{"lanthihoa", "LanThiHoa", EWeakPassword},
		{"lan", "12345678", EWeakPassword},
		{"lan", "Password123!", EWeakPassword},
		{"lan", "matkhau2026", EWeakPassword},
		{"lan", "        ", EWeakPassword},
		{"lan", "\t\n\r\x01\x02\x03\x04\x05", EWeakPassword},
		{"lan", "xxxxxxxxxx", EWeakPassword},
		{"lan", strings.Repeat("ab", 101), EInvalid},
	} {
		err := checkPassword(c.user, c.pw)
		if got := ""; err != nil {
			got = err.Code
			if got != c.code {
				t.Errorf("%q for %s: %s, want %q", c.pw, c.user, got, c.code)
			}
		} else if c.code != "" {
			t.Errorf("%q for %s: accepted, want %s", c.pw, c.user, c.code)
		}
	}
}

// FuzzCheckPassword: an accepted password has 8 characters or more, is not
// blank, and is not the user name.
func FuzzCheckPassword(f *testing.F) {
	f.Add("lan", "lan-mat-khau-7")
	f.Add("admin", "ADMIN")
	f.Add("x", " \u00a0\u2028\u0000")
	f.Fuzz(func(t *testing.T, user, pw string) {
		if checkPassword(user, pw) != nil {
			return
		}
		if utf8.RuneCountInString(pw) < minPasswordRunes || strings.TrimFunc(pw, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r)
		}) == "" || (user != "" && strings.EqualFold(strings.TrimSpace(pw), user)) {
			t.Fatalf("accepted %q for %q", pw, user)
		}
	})
}

// FuzzCleanText: the result holds no control character but newline and tab,
// no bidi override, is unchanged by a second cleaning, and keeps the rest.
func FuzzCleanText(f *testing.F) {
	f.Add("Thiếu\u0000 bản sao\u202e\nDòng hai\tcột")
	f.Add("\u2066\u2069\u200f\x7f\u0085")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // JSON decoding has made every text valid UTF-8 before it gets here
		}
		c := CleanText(s)
		for _, r := range c {
			if unclean(r) {
				t.Fatalf("%q left in %q", r, c)
			}
		}
		if CleanText(c) != c {
			t.Fatalf("cleaning %q twice changed it", s)
		}
		if len(c) > len(s) {
			t.Fatalf("cleaning %q grew it", s)
		}
	})
}

// TestThrottleWaitsAndForgets: failures past the free ones make the next
// attempt wait, doubling up to the cap; the wait ends; old failures are
// forgotten; the map stays bounded.
func TestThrottleWaitsAndForgets(t *testing.T) {
	var th throttle
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, VN())
	for i := range 3 {
		if th.fail("user:lan", now, 3, time.Minute) {
			t.Fatalf("failure %d of 3 free ones began a wait", i+1)
		}
	}
	if d := th.wait("user:lan", now); d != 0 {
		t.Fatalf("a wait of %v after the free failures", d)
	}
	waits := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	for _, want := range waits {
		th.fail("user:lan", now, 3, time.Minute)
		if d := th.wait("user:lan", now); d != want {
			t.Fatalf("wait %v, want %v", d, want)
		}
	}
	for range 10 {
		th.fail("user:lan", now, 3, time.Minute)
	}
	if d := th.wait("user:lan", now); d != time.Minute {
		t.Fatalf("wait %v, want the cap of a minute", d)
	}
	if d := th.wait("user:lan", now.Add(time.Minute)); d != 0 {
		t.Fatalf("still waiting after the wait: %v", d)
	}
	later := now.Add(failMemory + time.Minute)
	if th.fail("user:lan", later, 3, time.Minute) {
		t.Fatal("failures long past were not forgotten")
	}
	th.clear("user:lan")
	for i := range maxStrikes + 100 {
		th.fail("addr:"+string(rune('a'+i%26))+strings.Repeat("x", i/26), later, 3, time.Minute)
	}
	if len(th.strikes) > maxStrikes {
		t.Fatalf("%d strikes remembered, want at most %d", len(th.strikes), maxStrikes)
	}
}
