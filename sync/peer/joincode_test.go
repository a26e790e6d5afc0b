package peer

import (
	"errors"
	"strings"
	"testing"
)

func TestJoinCodeRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := NewJoinCode()
		if seen[c] {
			t.Fatalf("code %s drawn twice", c)
		}
		seen[c] = true
		shown := FormatJoinCode(c)
		if strings.Count(shown, "-") != 6 {
			t.Fatalf("shown as %q, want 7 groups", shown)
		}
		typed := strings.ToLower(strings.ReplaceAll(shown, "-", " "))
		got, err := ParseJoinCode(typed)
		if err != nil || got != c {
			t.Fatalf("ParseJoinCode(%q) = %q, %v; want %q", typed, got, err, c)
		}
	}
}

func TestWeakSecretsRefused(t *testing.T) {
	c := NewJoinCode()
	typo := []byte(c)
	typo[3] = codeAlphabet[(strings.IndexByte(codeAlphabet, typo[3])+1)%32]
	for _, s := range []string{
		"", "short", "bí-mật-của-xã-14701", "secret-one-1", strings.Repeat("A", 40),
		c[:codeLen-1], c + "0", string(typo),
	} {
		if _, err := ParseJoinCode(s); !errors.Is(err, ErrWeakCode) {
			t.Errorf("ParseJoinCode(%q) = %v, want ErrWeakCode", s, err)
		}
	}
}

func TestJoinCodeReadsLookalikes(t *testing.T) {
	for range 50 {
		c := NewJoinCode()
		typed := strings.NewReplacer("0", "o", "1", "l").Replace(FormatJoinCode(c))
		if got, err := ParseJoinCode(typed); err != nil || got != c {
			t.Fatalf("ParseJoinCode(%q) = %q, %v; want %q", typed, got, err, c)
		}
	}
}
