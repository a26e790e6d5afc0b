package app

import "testing"

// The one search box: what a desk official types or scans, and what it finds.
func TestClassifySearch(t *testing.T) {
	const code = "000.00.31.H42-261204-0005"
	cases := []struct {
		q    string
		kind SearchKind
		term string
	}{
		{"", SearchNone, ""},
		{code, SearchCode, code},
		{"https://dichvucong.gov.vn/tra-cuu-ho-so?ma=000.00.31.H42-261204-0005", SearchCode, code},
		{"https://dichvucong.gov.vn/tra-cuu-ho-so?ma=000.00.31.H42-261204-0005\n", SearchCode, code},
		{"TAM-000.00.31.H42-261204-123456-0001", SearchCode, "TAM-000.00.31.H42-261204-123456-0001"},
		{"h15.50.05.12-261204-0012", SearchCode, "H15.50.05.12-261204-0012"},
		{"261204-0005", SearchCodePart, "261204-0005"},
		{"0005", SearchCodePart, "0005"},
		{"5", SearchCodePart, "0005"},
		{"037090001234|123456789|Nguyễn Văn An|01051990|Nam|Yên Mô|01012021", SearchNumber, "037090001234"},
		{"037090001234", SearchNumber, "037090001234"},
		{"0912 345 678", SearchNumber, "0912345678"},
		{"Nguyễn Văn An", SearchName, TextKey("Nguyen Van An")},
	}
	for _, c := range cases {
		k, term := ClassifySearch(c.q)
		if k != c.kind || term != c.term {
			t.Errorf("ClassifySearch(%q) = %d %q, want %d %q", c.q, k, term, c.kind, c.term)
		}
	}
}

func TestCodeMatches(t *testing.T) {
	const code = "000.00.31.H42-261204-0005"
	for part, want := range map[string]bool{
		"0005": true, "261204-0005": true, "H42-261204-0005": true, "261204": true,
		"0015": false, "261205-0005": false, "0000": false, "1204-0005": true, "0050": false,
	} {
		if got := CodeMatches(code, part); got != want {
			t.Errorf("CodeMatches(%q, %q) = %v", code, part, got)
		}
	}
}
