package app

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var idNow = time.Date(2026, 5, 6, 9, 0, 0, 0, vnZone)

func TestParseIDCardQRAccepts(t *testing.T) {
	tests := []struct {
		name string
		qr   string
		want IDCard
	}{
		{"male born 1999 with old ID",
			"001099012345|123456789|Nguyễn Văn An|01011999|Nam|Số 12, thôn Đông, xã Yên Mô, tỉnh Ninh Bình|15082021",
			IDCard{IDNumber: "001099012345", OldIDNumber: "123456789", FullName: "Nguyễn Văn An", DateOfBirth: "1999-01-01",
				Sex: "Nam", Address: "Số 12, thôn Đông, xã Yên Mô, tỉnh Ninh Bình", IssuedOn: "2021-08-15"}},
		{"female born 2001 without old ID",
			"037301004567||Trần Thị Bích Ngọc|20052001|Nữ|Xóm 3, xã Yên Thắng, tỉnh Ninh Bình|10042021",
			IDCard{IDNumber: "037301004567", FullName: "Trần Thị Bích Ngọc", DateOfBirth: "2001-05-20", Sex: "Nữ",
				Address: "Xóm 3, xã Yên Thắng, tỉnh Ninh Bình", IssuedOn: "2021-04-10"}},
		{"scanner adds CR LF, a trailing bar and extra spaces",
			" 036184000123|162345678|  Phạm   Thị  Hoa |29021984|NỮ|Tổ dân phố Lê Lợi,  phường Phủ Lý|01072024|\r\n",
			IDCard{IDNumber: "036184000123", OldIDNumber: "162345678", FullName: "Phạm Thị Hoa", DateOfBirth: "1984-02-29",
				Sex: "Nữ", Address: "Tổ dân phố Lê Lợi, phường Phủ Lý", IssuedOn: "2024-07-01"}},
		// Cards issued since mid-2024: 11 fields, the last four empty (issue 12;
		// domain/README "Codes", seen in three public parsers with 2024–2026 samples).
		{"card since 2024: 11 fields ending in ||||",
			"037301004567||Trần Thị Bích Ngọc|20052001|Nữ|Xóm 3, xã Yên Thắng, tỉnh Ninh Bình|10042025||||",
			IDCard{IDNumber: "037301004567", FullName: "Trần Thị Bích Ngọc", DateOfBirth: "2001-05-20", Sex: "Nữ",
				Address: "Xóm 3, xã Yên Thắng, tỉnh Ninh Bình", IssuedOn: "2025-04-10"}},
		{"card since 2024 with a 12-digit old ID and a trailing separator",
			"001099012345|001099000111|Nguyễn Văn An|01011999|Nam|Thôn Đông, xã Yên Mô|15082024|||||\r\n",
			IDCard{IDNumber: "001099012345", OldIDNumber: "001099000111", FullName: "Nguyễn Văn An", DateOfBirth: "1999-01-01",
				Sex: "Nam", Address: "Thôn Đông, xã Yên Mô", IssuedOn: "2024-08-15"}},
		{"byte order mark and sex typed without diacritics",
			"\ufeff035164000999||Lã Thị Thu|31121964|nu|Xã Gia Viễn, Ninh Bình|20032022",
			IDCard{IDNumber: "035164000999", FullName: "Lã Thị Thu", DateOfBirth: "1964-12-31", Sex: "Nữ",
				Address: "Xã Gia Viễn, Ninh Bình", IssuedOn: "2022-03-20"}},
	}
	// Digit 4 of each sample ID agrees with the century and sex of its card.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIDCardQR(tt.qr, idNow)
			if err != nil {
				t.Fatalf("ParseIDCardQR: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			a := NormalizeApplicant(got.Applicant())
			if err := ValidateApplicant(a, idNow); err != nil {
				t.Fatalf("a parsed card must make a valid applicant: %v", err)
			}
		})
	}
}

func TestParseIDCardQRRejects(t *testing.T) {
	good := []string{"001099012345", "123456789", "Nguyễn Văn An", "01011999", "Nam", "Thôn Đông, xã Yên Mô", "15082021"}
	with := func(i int, v string) string {
		p := append([]string(nil), good...)
		p[i] = v
		return strings.Join(p, "|")
	}
	tests := []struct {
		name, qr, field string
	}{
		{"empty", "   ", "qr"},
		{"six fields", strings.Join(good[:6], "|"), "qr"},
		{"eight fields", strings.Join(append(good, "x"), "|"), "qr"},
		{"eleven fields, the eighth not empty", strings.Join(append(good, "x", "", "", ""), "|"), "qr"},
		{"thirteen fields, all extra empty", strings.Join(good, "|") + strings.Repeat("|", 6), "qr"},
		{"old ID with 10 digits", with(1, "1234567890"), "qr.old_id_number"},
		{"a barcode, not the card", "8934567890123", "qr"},
		{"ID with 11 digits", with(0, "00109901234"), "qr.id_number"},
		{"ID with a letter", with(0, "00109901234A"), "qr.id_number"},
		{"province 000", with(0, "000099012345"), "qr.id_number"},
		{"province 097", with(0, "097099012345"), "qr.id_number"},
		{"ID year does not match birth", with(0, "001098012345"), "qr.id_number"},
		{"ID century does not match birth", with(0, "001299012345"), "qr.id_number"},
		{"ID sex does not match", with(0, "001199012345"), "qr.id_number"},
		{"old ID with 8 digits", with(1, "12345678"), "qr.old_id_number"},
		{"name with digits", with(2, "Nguyen Van 4n"), "qr.full_name"},
		{"name garbled by a wrong keyboard layout", with(2, "Nguy{n V#n An"), "qr.full_name"},
		{"name empty", with(2, ""), "qr.full_name"},
		{"birth 31 February", with(3, "31021999"), "qr.date_of_birth"},
		{"birth written ISO", with(3, "1999-01-01"), "qr.date_of_birth"},
		{"birth in the future", with(3, "01012099"), "qr.date_of_birth"},
		{"birth before 1900", with(3, "01011899"), "qr.date_of_birth"},
		{"sex unknown", with(4, "M"), "qr.sex"},
		{"address empty", with(5, " "), "qr.address"},
		{"address too long", with(5, strings.Repeat("Thôn Đông ", 40)), "qr.address"},
		{"issued before birth", with(6, "01011990"), "qr.issued_on"},
		{"issued in the future", with(6, "01012027"), "qr.issued_on"},
		{"issued 32nd", with(6, "32012021"), "qr.issued_on"},
		{"control character", with(2, "Nguyễn\x1bVăn An"), "qr"},
		{"not UTF-8", with(2, "Nguy\xe1n V\xe3n An"), "qr"},
		{"far too long", strings.Repeat("9", MaxIDCardQR+1), "qr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIDCardQR(tt.qr, idNow)
			if err == nil {
				t.Fatalf("accepted %q", tt.qr)
			}
			e := AsError(err)
			if e.Code != EInvalid || e.Field != tt.field {
				t.Fatalf("got code %q field %q, want invalid %q (%v)", e.Code, e.Field, tt.field, err)
			}
			if e.Message == "" || e.English == "" || !utf8.ValidString(e.Message) {
				t.Fatalf("error needs a Vietnamese and an English message: %+v", e)
			}
		})
	}
}

func FuzzParseIDCardQR(f *testing.F) {
	for _, s := range []string{
		"001099012345|123456789|Nguyễn Văn An|01011999|Nam|Số 12, thôn Đông, xã Yên Mô|15082021",
		"037301004567||Trần Thị Bích Ngọc|20052001|Nữ|Xóm 3, Yên Thắng|10042021|",
		"036184000123|162345678|Phạm Thị Hoa|29021984|nu\u031b\u0303|Phủ Lý|01072024\r\n",
		"037301004567||Trần Thị Bích Ngọc|20052001|Nữ|Xóm 3, Yên Thắng|10042025||||",
		"001099012345|001099000111|Nguyễn Văn An|01011999|Nam|Thôn Đông|15082024||||",
		"|||||", "||||||", "||||||||||", "a|b|c|d|e|f|g", "001099012345|1|x|01011999|Nam|a|15082021",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseIDCardQR(s, idNow)
		if err != nil {
			if e := AsError(err); e.Code != EInvalid || !strings.HasPrefix(e.Field, "qr") || e.Message == "" {
				t.Fatalf("rejection must be a clear invalid error on qr*: %+v", e)
			}
			return
		}
		if !digits12.MatchString(c.IDNumber) || c.FullName == "" || c.Address == "" || (c.Sex != "Nam" && c.Sex != "Nữ") {
			t.Fatalf("accepted an invalid card %+v from %q", c, s)
		}
		for _, d := range []string{c.DateOfBirth, c.IssuedOn} {
			if _, err := time.Parse("2006-01-02", d); err != nil {
				t.Fatalf("accepted bad date %q from %q", d, s)
			}
		}
		again, err := ParseIDCardQR(c.QR(), idNow)
		if err != nil || again != c {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", s, again, err, c)
		}
	})
}
