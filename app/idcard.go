package app

import (
	"strings"
	"time"
	"unicode/utf8"
)

// IDCard is what the QR code of a chip citizen ID card (CCCD) says. Its
// fields carry the names of Applicant's, so the desk can fill the form from it.
type IDCard struct {
	IDNumber    string `json:"id_number"`               // 12-digit personal identification number
	OldIDNumber string `json:"old_id_number,omitempty"` // the old ID (9-digit CMND or 12-digit), if the card lists one
	FullName    string `json:"full_name"`
	DateOfBirth string `json:"date_of_birth"` // YYYY-MM-DD
	Sex         string `json:"sex"`           // "Nam" or "Nữ", as printed on the card
	Address     string `json:"address"`       // place of residence
	IssuedOn    string `json:"issued_on"`     // YYYY-MM-DD
}

// Applicant returns the applicant fields the card fills.
func (c IDCard) Applicant() Applicant {
	return Applicant{FullName: c.FullName, IDNumber: c.IDNumber, DateOfBirth: c.DateOfBirth, Address: c.Address}
}

// QR returns the card in the QR's own form; ParseIDCardQR(c.QR()) gives c back.
func (c IDCard) QR() string {
	return strings.Join([]string{c.IDNumber, c.OldIDNumber, c.FullName, ddmmyyyy(c.DateOfBirth), c.Sex,
		c.Address, ddmmyyyy(c.IssuedOn)}, "|")
}

func ddmmyyyy(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + iso[5:7] + iso[0:4]
}

// MaxIDCardQR bounds a scan: a real one is well under 300 bytes.
const MaxIDCardQR = 1000

// MaxIDCardFields bounds the fields of a scan: 7 on cards before mid-2024,
// 11 since (the last four empty), with room for a scanner's trailing separator.
const MaxIDCardFields = 12

// ParseIDCardQR reads the text a USB scanner types from the QR code of a
// chip ID card: `ID|old ID|full name|DDMMYYYY birth|sex|address|DDMMYYYY issue date`.
// Cards issued since mid-2024 add empty trailing fields (11 fields ending in
// `||||`); empty fields after the seventh are ignored, up to MaxIDCardFields.
// now is the current time, for the date checks. Every rejection is a domain
// error (EInvalid) whose field names the part of the scan that is wrong
// ("qr", "qr.id_number", …), with a message the desk can act on.
func ParseIDCardQR(s string, now time.Time) (IDCard, error) {
	if len(s) > MaxIDCardQR {
		return IDCard{}, qrErr("", "Dữ liệu quét quá dài, không phải mã QR trên thẻ căn cước.",
			"the scan is too long to be the QR code of an ID card")
	}
	if !utf8.ValidString(s) {
		return IDCard{}, qrErr("", "Dữ liệu quét bị lỗi mã hóa ký tự; hãy đặt máy quét ở chế độ Unicode (UTF-8) và quét lại.",
			"the scan is not valid UTF-8; set the scanner to Unicode (UTF-8) and scan again")
	}
	s = strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")
	if s == "" {
		return IDCard{}, qrErr("", "Chưa có dữ liệu quét từ mã QR của thẻ căn cước.", "the scan is empty")
	}
	parts := strings.Split(s, "|")
	n := len(parts)
	// Cards since 2024 end in empty fields (11 in all); some scanners add a
	// trailing separator. Both leave empty fields after the seventh.
	for len(parts) > 7 && len(parts) <= MaxIDCardFields && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 7 {
		return IDCard{}, qrErr("", "Mã QR không đúng dạng thẻ căn cước: cần 7 trường ngăn cách bởi dấu “|” (thẻ cấp từ 2024 có thêm các trường trống ở cuối), nhận được %d. Hãy quét lại.",
			"not the QR code of an ID card: want 7 fields separated by “|” (cards since 2024 add empty trailing fields), got %d; scan again", n)
	}
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if strings.ContainsFunc(parts[i], isControl) {
			return IDCard{}, qrErr("", "Dữ liệu quét chứa ký tự điều khiển; hãy quét lại.", "the scan contains control characters; scan again")
		}
	}
	c := IDCard{IDNumber: parts[0], OldIDNumber: parts[1], FullName: strings.Join(strings.Fields(parts[2]), " "),
		Address: strings.Join(strings.Fields(parts[5]), " ")}
	if !digits12.MatchString(c.IDNumber) {
		return IDCard{}, qrErr("id_number", "Số định danh cá nhân trên mã QR phải gồm đúng 12 chữ số (nhận được “%s”).",
			"the personal ID number in the QR code must be exactly 12 digits (got %q)", clip(c.IDNumber))
	}
	if !validProvinceCode(c.IDNumber) {
		return IDCard{}, qrErr("id_number", "Mã tỉnh nơi đăng ký khai sinh (3 chữ số đầu của số định danh) không hợp lệ.",
			"the province part (first 3 digits) of the ID number is not valid")
	}
	if c.OldIDNumber != "" && !((len(c.OldIDNumber) == 9 || len(c.OldIDNumber) == 12) && allDigits(c.OldIDNumber)) {
		return IDCard{}, qrErr("old_id_number", "Số CMND/căn cước cũ trên mã QR phải gồm 9 hoặc 12 chữ số, hoặc để trống.",
			"the old ID number in the QR code must be 9 or 12 digits, or empty")
	}
	if n := utf8.RuneCountInString(c.FullName); n < 2 || n > 100 || !validName(c.FullName) {
		return IDCard{}, qrErr("full_name", "Họ và tên trên mã QR không hợp lệ; có thể máy quét đang gõ sai bảng mã, hãy quét lại.",
			"the full name in the QR code is not valid; the scanner may be typing in the wrong encoding, scan again")
	}
	dob, err := parseDDMMYYYY(parts[3])
	if err != nil || dob.After(now) || dob.Year() < 1900 {
		return IDCard{}, qrErr("date_of_birth", "Ngày sinh trên mã QR không hợp lệ (cần dạng ngàythángnăm, ví dụ 05091990).",
			"the date of birth in the QR code is not a valid DDMMYYYY date (e.g. 05091990)")
	}
	c.DateOfBirth = dob.Format("2006-01-02")
	switch strings.ToLower(parts[4]) {
	case "nam":
		c.Sex = "Nam"
	case "nữ", "nu\u031b\u0303", "nu": // precomposed, decomposed, or typed without diacritics
		c.Sex = "Nữ"
	default:
		return IDCard{}, qrErr("sex", "Giới tính trên mã QR phải là “Nam” hoặc “Nữ”.", "the sex in the QR code must be “Nam” or “Nữ”")
	}
	// Digit 4 encodes century and sex (even: male, odd: female; 0–1 for the
	// 1900s, 2–3 for the 2000s…); digits 5–6 the year of birth.
	if !idMatchesBirthYear(c.IDNumber, dob.Year()) {
		return IDCard{}, qrErr("id_number", "Số định danh không khớp với năm sinh trên mã QR.",
			"the ID number does not match the year of birth in the QR code")
	}
	if male := (c.IDNumber[3]-'0')%2 == 0; male != (c.Sex == "Nam") {
		return IDCard{}, qrErr("id_number", "Số định danh không khớp với giới tính trên mã QR.",
			"the ID number does not match the sex in the QR code")
	}
	if c.Address == "" || utf8.RuneCountInString(c.Address) > 300 {
		return IDCard{}, qrErr("address", "Nơi thường trú trên mã QR bị trống hoặc quá dài.", "the address in the QR code is empty or too long")
	}
	issued, err := parseDDMMYYYY(parts[6])
	if err != nil || issued.After(now) || issued.Before(dob) {
		return IDCard{}, qrErr("issued_on", "Ngày cấp trên mã QR không hợp lệ (cần dạng ngàythángnăm, sau ngày sinh và không ở tương lai).",
			"the issue date in the QR code is not a valid DDMMYYYY date after the birth date and not in the future")
	}
	c.IssuedOn = issued.Format("2006-01-02")
	return c, nil
}

func qrErr(field, vi, en string, args ...any) *Error {
	f := "qr"
	if field != "" {
		f += "." + field
	}
	return Errorf(EInvalid, f, vi, en, args...)
}

// parseDDMMYYYY reads an 8-digit date, rejecting days that do not exist.
func parseDDMMYYYY(s string) (time.Time, error) {
	if len(s) != 8 || !allDigits(s) {
		return time.Time{}, Errorf(EInvalid, "", "ngày không hợp lệ", "bad date")
	}
	d, m, y := atoi2(s[0:2]), atoi2(s[2:4]), atoi2(s[4:8])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, vnZone)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return time.Time{}, Errorf(EInvalid, "", "ngày không tồn tại", "no such date")
	}
	return t, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi2 converts a string of ASCII digits (checked by the caller).
func atoi2(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// clip shortens what is echoed back in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 20 {
		return s
	}
	return string([]rune(s)[:20]) + "…"
}

// ParseIDCard parses a scan for a signed-in official.
func (s *Service) ParseIDCard(p Principal, qr string) (IDCard, error) {
	return ParseIDCardQR(qr, s.Now())
}
