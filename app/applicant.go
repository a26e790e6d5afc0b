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
// the first problem as a domain error naming the field, carrying every
// problem of the applicant in Fields (ApplicantProblems).
func ValidateApplicant(a Applicant, now time.Time) error {
	var p Problems
	ApplicantProblems(&p, a, now)
	return p.Err()
}

// ApplicantProblems adds each invalid field of a to p, in the words of the
// desk's labels (Họ và tên, Số định danh, Ngày sinh dd/mm/yyyy, …).
func ApplicantProblems(p *Problems, a Applicant, now time.Time) {
	n := utf8.RuneCountInString(a.FullName)
	switch {
	case n == 0:
		p.Add(Errorf(EInvalid, "applicant.full_name", "Vui lòng nhập họ và tên người nộp hồ sơ.", "The applicant's full name is required"))
	case n < 2 || n > 100 || !validName(a.FullName):
		p.Add(Errorf(EInvalid, "applicant.full_name", "Họ và tên không hợp lệ (chỉ gồm chữ cái và khoảng trắng, tối đa 100 ký tự).",
			"The full name may contain only letters and spaces, at most 100 characters"))
	}
	idOK := false
	switch {
	case a.IDNumber == "":
		p.Add(Errorf(EInvalid, "applicant.id_number", "Vui lòng nhập số định danh cá nhân (12 chữ số).", "The personal ID number (12 digits) is required"))
	case !digits12.MatchString(a.IDNumber):
		p.Add(Errorf(EInvalid, "applicant.id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số (đang có %d).",
			"The personal ID number must be exactly 12 digits (it has %d)", utf8.RuneCountInString(a.IDNumber)))
	case !validProvinceCode(a.IDNumber):
		p.Add(Errorf(EInvalid, "applicant.id_number", "Mã tỉnh (3 chữ số đầu) của số định danh không hợp lệ.",
			"The province part (first 3 digits) of the ID number is not valid"))
	default:
		idOK = true
	}
	if a.DateOfBirth != "" {
		dob, err := time.ParseInLocation("2006-01-02", a.DateOfBirth, vnZone)
		switch {
		case err != nil:
			p.Add(Errorf(EInvalid, "applicant.date_of_birth", "Ngày sinh không có thật hoặc viết sai (ngày/tháng/năm, ví dụ 05/09/1990).",
				"The date of birth is not a real date (day/month/year, e.g. 05/09/1990)"))
		case dob.After(now) || dob.Year() < 1900:
			p.Add(Errorf(EInvalid, "applicant.date_of_birth", "Ngày sinh không được ở tương lai hoặc trước năm 1900.",
				"The date of birth cannot be in the future or before 1900"))
		case idOK && !idMatchesBirthYear(a.IDNumber, dob.Year()):
			p.Add(Errorf(EInvalid, "applicant.id_number", "Số định danh không khớp với năm sinh (chữ số thứ 4–6 mã hóa thế kỷ, giới tính và năm sinh).",
				"The ID number does not match the year of birth (digits 4–6 encode century, sex and year)"))
		}
	}
	if a.Phone != "" && !phonePlain.MatchString(a.Phone) {
		p.Add(Errorf(EInvalid, "applicant.phone", "Số điện thoại không hợp lệ (10 hoặc 11 chữ số, bắt đầu bằng 0).",
			"The phone number must have 10 or 11 digits starting with 0"))
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			p.Add(Errorf(EInvalid, "applicant.email", "Địa chỉ thư điện tử không hợp lệ.", "The e-mail address is not valid"))
		}
	}
	if utf8.RuneCountInString(a.Address) > 300 {
		p.Add(Errorf(EInvalid, "applicant.address", "Địa chỉ quá dài (tối đa 300 ký tự).", "The address is too long (at most 300 characters)"))
	}
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
