package forms

import (
	"net/url"
	"strings"

	"xaso/app"
)

// Unit is the office a form is issued by.
type Unit struct {
	Commune   string // 5-digit administrative-unit code
	Name      string // "Xã Yên Mô"
	Province  string // "Tỉnh Ninh Bình"
	Agency    string // agency electronic ID code
	LookupURL string // where a citizen looks a dossier up; "{code}" is replaced by the dossier code
}

// DefaultLookupURL is the lookup link printed on receipts until the
// province configures its own: the national public service portal, with the
// dossier code as a query parameter (the exact lookup address is inferred;
// the province corrects it through the commune's configuration).
const DefaultLookupURL = "https://dichvucong.gov.vn/tra-cuu-ho-so?ma={code}"

// UnitOf describes the commune of a configuration, naming it from the
// built-in list of communes when the configuration has no name.
func UnitOf(c app.CommuneConfig) Unit {
	u := Unit{Commune: c.Commune, Name: c.Name, Agency: c.AgencyCode(), LookupURL: DefaultLookupURL}
	if info, ok := app.LookupCommune(c.Commune); ok {
		if u.Name == "" {
			u.Name = info.Name
		}
		u.Province = info.Province
	}
	if u.Name == "" {
		u.Name = "Xã (mã " + c.Commune + ")"
	}
	return u
}

// Parent is the governing body: "Ủy ban nhân dân xã Yên Mô".
func (u Unit) Parent() string { return "Ủy ban nhân dân " + lowerFirst(u.Name) }

// Office is the one-stop office that receives and returns dossiers.
func (u Unit) Office() string {
	return "Trung tâm Phục vụ hành chính công " + lowerFirst(u.Name)
}

// Place is the place name written before the date: "Yên Mô".
func (u Unit) Place() string {
	_, place := splitKind(u.Name)
	return place
}

// Lookup is the lookup link of a dossier.
func (u Unit) Lookup(code string) string {
	if u.LookupURL == "" {
		return ""
	}
	return strings.ReplaceAll(u.LookupURL, "{code}", url.QueryEscape(code))
}

// unitKinds are the kinds of commune-level unit a name begins with.
var unitKinds = []string{"Xã ", "Phường ", "Đặc khu ", "Thị trấn "}

// splitKind splits a unit's name into its kind and place: "Xã Yên Mô" →
// "Xã ", "Yên Mô"; kind is "" when the name begins with none.
func splitKind(name string) (kind, place string) {
	for _, k := range unitKinds {
		if rest, ok := strings.CutPrefix(name, k); ok {
			return k, rest
		}
	}
	return "", name
}

// lowerFirst lowers the unit kind: "Xã Yên Mô" → "xã Yên Mô".
func lowerFirst(s string) string {
	kind, place := splitKind(s)
	return strings.ToLower(kind) + place
}
