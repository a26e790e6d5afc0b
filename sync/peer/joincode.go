package peer

import (
	"crypto/rand"
	"errors"
	"strings"
)

// A join code is the office's secret for letting a PC in: 27 random
// characters of Crockford's base32 (135 bits) and one check character,
// shown in seven groups of four (XXXX-XXXX-…-XXXX) so that a person can
// read it aloud and type it. Reading it ignores case, spaces and dashes,
// and takes O for 0 and I or L for 1.
const (
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeRandom   = 27
	codeLen      = codeRandom + 1
	codeGroup    = 4
)

// ErrWeakCode is returned for a join secret that is not a join code: a
// short or chosen secret could be guessed.
var ErrWeakCode = errors.New("join secret is not a generated join code")

// NewJoinCode draws a new join code in its canonical form (no dashes).
func NewJoinCode() string {
	b := make([]byte, codeRandom)
	for i := range b {
		b[i] = codeAlphabet[randIndex()]
	}
	return string(b) + string(codeAlphabet[checkIndex(string(b))])
}

// randIndex is a uniform index into codeAlphabet.
func randIndex() int {
	var one [1]byte
	if _, err := rand.Read(one[:]); err != nil {
		panic("peer: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return int(one[0] & 31)
}

// checkIndex is the Luhn mod 32 check of s's characters.
func checkIndex(s string) int {
	sum, factor := 0, 2
	for i := len(s) - 1; i >= 0; i-- {
		v := factor * strings.IndexByte(codeAlphabet, s[i])
		sum += v/32 + v%32
		factor = 3 - factor
	}
	return (32 - sum%32) % 32
}

// ParseJoinCode reads a join code as a person typed it and returns its
// canonical form; anything else (a chosen secret, a typo) is ErrWeakCode.
func ParseJoinCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(codeAlphabet, byte(r)) < 0 {
			return "", ErrWeakCode
		}
		b.WriteRune(r)
	}
	c := b.String()
	if len(c) != codeLen || strings.IndexByte(codeAlphabet, c[codeRandom]) != checkIndex(c[:codeRandom]) {
		return "", ErrWeakCode
	}
	return c, nil
}

// FormatJoinCode shows a canonical code in groups of four.
func FormatJoinCode(c string) string {
	var parts []string
	for i := 0; i < len(c); i += codeGroup {
		parts = append(parts, c[i:min(i+codeGroup, len(c))])
	}
	return strings.Join(parts, "-")
}
