package app

import "strings"

// CleanText drops from free text (notes, names) what can only hide or
// disguise it: C0 control characters other than newline and tab, DEL, C1
// controls, and the Unicode bidirectional overrides and isolates that make
// text display in another order than it is stored.
func CleanText(s string) string {
	if strings.IndexFunc(s, unclean) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unclean(r) {
			return -1
		}
		return r
	}, s)
}

func unclean(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f || r == 0x061c:
		return true
	}
	return false
}
