package app

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	digits12    = regexp.MustCompile(`^[0-9]{12}$`)
	phonePlain  = regexp.MustCompile(`^0[0-9]{9,10}$`)
	phoneStrips = strings.NewReplacer(" ", "", ".", "", "-", "", "(", "", ")", "")
)

// NormalizeApplicant trims and normalises what was typed or scanned.
func NormalizeApplicant(a Applicant) Applicant {
	// Bytes that are not UTF-8 become U+FFFD first: otherwise removing
	// spaces between two stray bytes could join them into a real character
	// (0xC2 0x85 is U+0085, itself a space) and a second pass would differ.
	for _, f := range []*string{&a.FullName, &a.IDNumber, &a.DateOfBirth, &a.Phone, &a.Email, &a.Address} {
		*f = strings.ToValidUTF8(*f, "\uFFFD")
	}
	a.FullName = strings.Join(strings.Fields(a.FullName), " ")
	a.IDNumber = strings.TrimSpace(a.IDNumber)
	a.DateOfBirth = strings.TrimSpace(a.DateOfBirth)
	a.Phone = phoneStrips.Replace(strings.Join(strings.Fields(a.Phone), ""))
	if strings.HasPrefix(a.Phone, "+84") {
		a.Phone = "0" + a.Phone[3:]
	} else if strings.HasPrefix(a.Phone, "84") && len(a.Phone) == 11 {
		a.Phone = "0" + a.Phone[2:]
	}
	a.Email = strings.TrimSpace(a.Email)
	a.Address = strings.Join(strings.Fields(a.Address), " ")
	return a
}

// ValidateApplicant checks a normalised applicant at time now. It returns
// the first problem as a domain error naming the field.
func ValidateApplicant(a Applicant, now time.Time) error {
	n := utf8.RuneCountInString(a.FullName)
	switch {
	case n == 0:
		return Errorf(EInvalid, "applicant.full_name", "Vui lòng nhập họ và tên người nộp hồ sơ.", "the applicant's full name is required")
	case n < 2 || n > 100 || !validName(a.FullName):
		return Errorf(EInvalid, "applicant.full_name", "Họ và tên không hợp lệ (chỉ gồm chữ cái và khoảng trắng, tối đa 100 ký tự).",
			"the full name may contain only letters and spaces, at most 100 characters")
	case a.IDNumber == "":
		return Errorf(EInvalid, "applicant.id_number", "Vui lòng nhập số định danh cá nhân (12 chữ số).", "the personal ID number (12 digits) is required")
	case !digits12.MatchString(a.IDNumber):
		return Errorf(EInvalid, "applicant.id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.", "the personal ID number must be exactly 12 digits")
	}
	if !validProvinceCode(a.IDNumber) {
		return Errorf(EInvalid, "applicant.id_number", "Mã tỉnh (3 chữ số đầu) của số định danh không hợp lệ.",
			"the province part (first 3 digits) of the ID number is not valid")
	}
	if a.DateOfBirth != "" {
		dob, err := time.ParseInLocation("2006-01-02", a.DateOfBirth, vnZone)
		if err != nil {
			return Errorf(EInvalid, "applicant.date_of_birth", "Ngày sinh không hợp lệ (định dạng năm-tháng-ngày).",
				"the date of birth is not a valid YYYY-MM-DD date")
		}
		if dob.After(now) || dob.Year() < 1900 {
			return Errorf(EInvalid, "applicant.date_of_birth", "Ngày sinh không được ở tương lai hoặc trước năm 1900.",
				"the date of birth cannot be in the future or before 1900")
		}
		if !idMatchesBirthYear(a.IDNumber, dob.Year()) {
			return Errorf(EInvalid, "applicant.id_number", "Số định danh không khớp với năm sinh (chữ số thứ 4–6 mã hóa thế kỷ, giới tính và năm sinh).",
				"the ID number does not match the year of birth (digits 4–6 encode century, sex and year)")
		}
	}
	if a.Phone != "" && !phonePlain.MatchString(a.Phone) {
		return Errorf(EInvalid, "applicant.phone", "Số điện thoại không hợp lệ (10 hoặc 11 chữ số, bắt đầu bằng 0).",
			"the phone number must have 10 or 11 digits starting with 0")
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			return Errorf(EInvalid, "applicant.email", "Địa chỉ thư điện tử không hợp lệ.", "the e-mail address is not valid")
		}
	}
	if utf8.RuneCountInString(a.Address) > 300 {
		return Errorf(EInvalid, "applicant.address", "Địa chỉ quá dài (tối đa 300 ký tự).", "the address is too long (at most 300 characters)")
	}
	return nil
}

func validName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '\'' && r != '-' && r != '.' && !unicode.Is(unicode.Mn, r) {
			return false
		}
	}
	return true
}

// validProvinceCode checks the first three digits of a 12-digit personal
// ID: the province where the birth was registered, 001–096.
func validProvinceCode(id string) bool {
	p, err := strconv.Atoi(id[:3])
	return err == nil && p >= 1 && p <= 96
}

// idMatchesBirthYear checks digits 4–6 of a 12-digit personal ID: the fourth
// encodes century and sex (0/1 for 1900s, 2/3 for 2000s, …), the next two the
// last two digits of the year of birth.
func idMatchesBirthYear(id string, year int) bool {
	c := int(id[3] - '0')
	yy, _ := strconv.Atoi(id[4:6])
	return 1900+(c/2)*100+yy == year
}
