package app

import (
	"testing"
	"time"
)

func TestValidateApplicant(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, vnZone)
	ok := Applicant{FullName: "Nguyễn Văn An", IDNumber: "037090001234", DateOfBirth: "1990-05-01", Phone: "0912345678"}
	for _, tc := range []struct {
		name  string
		edit  func(*Applicant)
		field string
	}{
		{"valid", func(a *Applicant) {}, ""},
		{"valid born 2005 (century digit 2/3)", func(a *Applicant) { a.IDNumber, a.DateOfBirth = "001305001234", "2005-01-01" }, ""},
		{"valid without optional fields", func(a *Applicant) { a.DateOfBirth, a.Phone = "", "" }, ""},
		{"valid +84 phone", func(a *Applicant) { a.Phone = "+84 912 345 678" }, ""},
		{"valid NFD name", func(a *Applicant) { a.FullName = "Nguye\u0302\u0303n Van An" }, ""},
		{"empty name", func(a *Applicant) { a.FullName = "  " }, "applicant.full_name"},
		{"digits in name", func(a *Applicant) { a.FullName = "Nguyen Van 4" }, "applicant.full_name"},
		{"short ID", func(a *Applicant) { a.IDNumber = "03709000123" }, "applicant.id_number"},
		{"letters in ID", func(a *Applicant) { a.IDNumber = "03709000123A" }, "applicant.id_number"},
		{"old 9-digit ID", func(a *Applicant) { a.IDNumber = "123456789" }, "applicant.id_number"},
		{"province 000", func(a *Applicant) { a.IDNumber = "000090001234" }, "applicant.id_number"},
		{"province 097", func(a *Applicant) { a.IDNumber = "097090001234" }, "applicant.id_number"},
		{"ID year mismatch", func(a *Applicant) { a.DateOfBirth = "1991-05-01" }, "applicant.id_number"},
		{"bad date", func(a *Applicant) { a.DateOfBirth = "1990-02-30" }, "applicant.date_of_birth"},
		{"Vietnamese date order", func(a *Applicant) { a.DateOfBirth = "01/05/1990" }, "applicant.date_of_birth"},
		{"future birth", func(a *Applicant) { a.IDNumber, a.DateOfBirth = "037227001234", "2027-01-01" }, "applicant.date_of_birth"},
		{"short phone", func(a *Applicant) { a.Phone = "091234" }, "applicant.phone"},
		{"phone without 0", func(a *Applicant) { a.Phone = "9123456789" }, "applicant.phone"},
		{"bad email", func(a *Applicant) { a.Email = "an@" }, "applicant.email"},
		{"long address", func(a *Applicant) { a.Address = string(make([]rune, 301)) }, "applicant.address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ok
			tc.edit(&a)
			err := ValidateApplicant(NormalizeApplicant(a), now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid applicant rejected: %v", err)
				}
				return
			}
			e, isErr := err.(*Error)
			if !isErr || e.Code != EInvalid || e.Field != tc.field || e.Message == "" || e.English == "" {
				t.Fatalf("got %v; want invalid on %s with both messages", err, tc.field)
			}
		})
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn An":      "nguyen van an",
		"ĐẶNG  THỊ   HỒNG":   "dang thi hong",
		"Nguye\u0302\u0303n": "nguyen",
		"Lê-Hoàng, Ân.":      "le hoang an",
		"  Trương Vĩnh Ký  ": "truong vinh ky",
		"Phường Phủ Lý":      "phuong phu ly",
		"ỳýỷỹỵ ÙÚỦŨỤ ƯỪỨỬỮỰ": "yyyyy uuuuu uuuuuu",
		"Đinh Bộ Lĩnh 1990":  "dinh bo linh 1990",
		"":                   "",
	} {
		if got := TextKey(in); got != want {
			t.Errorf("TextKey(%q) = %q, want %q", in, got, want)
		}
	}
	keys := NameKeys("Nguyễn Văn An")
	if len(keys) != 3 || keys[0] != "nguyen van an" || keys[1] != "van an" || keys[2] != "an" {
		t.Errorf("NameKeys = %q", keys)
	}
}

// FuzzValidateApplicant: validation never panics, normalising twice is
// normalising once, and an accepted applicant has the documented shape.
func FuzzValidateApplicant(f *testing.F) {
	f.Add("Nguyễn Văn An", "037090001234", "1990-05-01", "0912345678", "an@example.vn", "Yên Mô")
	f.Add("", "", "", "", "", "")
	f.Add("A\u0300", "001305001234", "2005-02-29", "+84912345678", "x", "")
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, vnZone)
	f.Fuzz(func(t *testing.T, name, id, dob, phone, email, addr string) {
		a := NormalizeApplicant(Applicant{FullName: name, IDNumber: id, DateOfBirth: dob, Phone: phone, Email: email, Address: addr})
		if b := NormalizeApplicant(a); b != a {
			t.Fatalf("normalise is not idempotent: %+v → %+v", a, b)
		}
		err := ValidateApplicant(a, now)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Code != EInvalid || e.Field == "" || e.Message == "" {
				t.Fatalf("error without code, field or message: %#v", err)
			}
			return
		}
		if !digits12.MatchString(a.IDNumber) || a.FullName == "" {
			t.Fatalf("accepted a bad applicant: %+v", a)
		}
		if a.DateOfBirth != "" {
			if d, err := time.Parse("2006-01-02", a.DateOfBirth); err != nil || d.Year() < 1900 {
				t.Fatalf("accepted a bad date of birth: %q", a.DateOfBirth)
			}
		}
	})
}
