package app

import (
	"strings"
	"unicode"
)

// accentGroups lists each base letter with its Vietnamese variants (lower case).
var accentGroups = [...]string{
	"aàáảãạăằắẳẵặâầấẩẫậ",
	"eèéẻẽẹêềếểễệ",
	"iìíỉĩị",
	"oòóỏõọôồốổỗộơờớởỡợ",
	"uùúủũụưừứửữự",
	"yỳýỷỹỵ",
	"dđ",
}

// baseLetter maps every Vietnamese letter to its base Latin letter.
var baseLetter = func() map[rune]rune {
	m := map[rune]rune{}
	for _, g := range accentGroups {
		rs := []rune(g)
		for _, r := range rs[1:] {
			m[r] = rs[0]
		}
	}
	return m
}()

// TextKey turns text into its search key: lower case, without Vietnamese
// diacritics (precomposed or combining), words separated by one space.
// "Nguyễn Văn  An" and "nguyen van an" have the same key.
func TextKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue // combining tone marks typed by NFD keyboards
		}
		r = unicode.ToLower(r)
		if base, ok := baseLetter[r]; ok {
			r = base
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// NameKeys returns the search keys of a name: every suffix of the words of
// its TextKey ("nguyen van an", "van an", "an"), so that a search by full name,
// by middle and given name, or by given name alone is one prefix scan.
func NameKeys(name string) []string {
	words := strings.Fields(TextKey(name))
	keys := make([]string, 0, len(words))
	for i := range words {
		keys = append(keys, strings.Join(words[i:], " "))
	}
	return keys
}
