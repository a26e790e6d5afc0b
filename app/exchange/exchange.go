// Package exchange writes register entries in the shape of the Ministry of
// Justice's civil-status exchange (the national database's field names:
// so, quyenSo, trangSo, ngayDangKy, nguoiKy, the child nks*, mother me*,
// father cha*, declarant nyc*, the deceased nkt*; shared/domain/README.md
// "Civil-status registers"). docs/api.md "National export" documents it.
package exchange

import (
	"time"

	"xaso/app"
	"xaso/app/forms"
)

// Kinds of registration as the exchange names them.
var loai = map[app.RegisterKind]string{
	app.RegBirth:        "khai_sinh",
	app.RegMarriage:     "ket_hon",
	app.RegDeath:        "khai_tu",
	app.RegParentage:    "nhan_cha_me_con",
	app.RegGuardianship: "giam_ho",
	app.RegChange:       "thay_doi_cai_chinh",
}

// Place is a place as the exchange writes it; only the written detail is
// known for places typed at the desk or read in an old book.
type Place struct {
	ChiTiet string `json:"chiTiet"`
}

// Person is a person other than the subject in the generic part of a
// record (a spouse, a recognised parent, a guardian).
type Person struct {
	HoTen      string `json:"hoTen"`
	GioiTinh   string `json:"gioiTinh,omitempty"`
	NgaySinh   string `json:"ngaySinh,omitempty"`
	DanToc     string `json:"danToc,omitempty"`
	QuocTich   string `json:"quocTich,omitempty"`
	NoiCuTru   string `json:"noiCuTru,omitempty"`
	SoDinhDanh string `json:"soDinhDanh,omitempty"`
}

// Correction is a correction recorded on the entry after registration.
type Correction struct {
	Truong string `json:"truong"` // the field, as app.FactFields names it
	Cu     string `json:"giaTriCu"`
	Moi    string `json:"giaTriMoi"`
	CanCu  string `json:"canCu,omitempty"`
	GhiChu string `json:"ghiChu"`
	Ngay   string `json:"ngay"`
}

// Record is one entry in the exchange's shape. Dates are YYYY-MM-DD; the
// facts are those in force (after corrections), each correction listed.
type Record struct {
	MaDonVi       string `json:"maDonVi"` // the commune's administrative-unit code
	NoiDangKy     string `json:"noiDangKy"`
	LoaiDangKy    string `json:"loaiDangKy"`
	So            int    `json:"so"`
	QuyenSo       string `json:"quyenSo"`
	NamMoSo       int    `json:"namMoSo"`
	TrangSo       int    `json:"trangSo,omitempty"`
	NgayDangKy    string `json:"ngayDangKy"`
	NguoiKy       string `json:"nguoiKy,omitempty"`
	ChucVuNguoiKy string `json:"chucVuNguoiKy,omitempty"`
	SoHoa         bool   `json:"soHoa"`            // digitised from an old paper book
	MaHoSo        string `json:"maHoSo,omitempty"` // the dossier that made it

	// Birth: the child.
	NksHoTen           string `json:"nksHoTen,omitempty"`
	NksGioiTinh        string `json:"nksGioiTinh,omitempty"`
	NksNgaySinh        string `json:"nksNgaySinh,omitempty"`
	NksNgaySinhBangChu string `json:"nksNgaySinhBangChu,omitempty"`
	NksNoiSinh         *Place `json:"nksNoiSinh,omitempty"`
	NksDanToc          string `json:"nksDanToc,omitempty"`
	NksQuocTich        string `json:"nksQuocTich,omitempty"`
	NksSoDinhDanh      string `json:"nksSoDinhDanh,omitempty"`

	// Death: the deceased.
	NktHoTen      string `json:"nktHoTen,omitempty"`
	NktGioiTinh   string `json:"nktGioiTinh,omitempty"`
	NktNgaySinh   string `json:"nktNgaySinh,omitempty"`
	NktDanToc     string `json:"nktDanToc,omitempty"`
	NktQuocTich   string `json:"nktQuocTich,omitempty"`
	NktNoiCuTru   string `json:"nktNoiCuTru,omitempty"`
	NktSoDinhDanh string `json:"nktSoDinhDanh,omitempty"`
	NktNgayChet   string `json:"nktNgayChet,omitempty"`
	NktNoiChet    string `json:"nktNoiChet,omitempty"`

	// Mother and father (births, and where the entry names them).
	MeHoTen     string `json:"meHoTen,omitempty"`
	MeNgaySinh  string `json:"meNgaySinh,omitempty"`
	MeDanToc    string `json:"meDanToc,omitempty"`
	MeQuocTich  string `json:"meQuocTich,omitempty"`
	MeNoiCuTru  string `json:"meNoiCuTru,omitempty"`
	MeSoGiayTo  string `json:"meSoGiayTo,omitempty"`
	ChaHoTen    string `json:"chaHoTen,omitempty"`
	ChaNgaySinh string `json:"chaNgaySinh,omitempty"`
	ChaDanToc   string `json:"chaDanToc,omitempty"`
	ChaQuocTich string `json:"chaQuocTich,omitempty"`
	ChaNoiCuTru string `json:"chaNoiCuTru,omitempty"`
	ChaSoGiayTo string `json:"chaSoGiayTo,omitempty"`

	// Other kinds: the person registered and the second person.
	NguoiDangKy *Person `json:"nguoiDangKy,omitempty"`
	NguoiThuHai *Person `json:"nguoiThuHai,omitempty"`
	NgaySuKien  string  `json:"ngaySuKien,omitempty"`
	NoiSuKien   string  `json:"noiSuKien,omitempty"`
	NoiDung     string  `json:"noiDung,omitempty"`

	// The declarant (người yêu cầu).
	NycHoTen     string `json:"nycHoTen,omitempty"`
	NycQuanHe    string `json:"nycQuanHe,omitempty"`
	NycSoGiayTo  string `json:"nycSoGiayTo,omitempty"`
	NycDienThoai string `json:"nycDienThoai,omitempty"`

	CaiChinh []Correction `json:"caiChinh,omitempty"`
	GhiChu   []string     `json:"ghiChu,omitempty"`
}

// Of writes entry e of the commune unit u as an exchange record; name
// gives an official's full name from a user name (the signer of an entry
// made at the desk is the leader who resolved it).
func Of(e app.Entry, u forms.Unit, name func(string) string) Record {
	f := e.Current
	r := Record{MaDonVi: u.Commune, NoiDangKy: noi(u), LoaiDangKy: loai[e.Kind], So: e.Number, QuyenSo: e.Book,
		NamMoSo: e.Year, TrangSo: e.Page, NgayDangKy: e.RegisteredAt.In(app.VN()).Format("2006-01-02"),
		NguoiKy: e.Signer, ChucVuNguoiKy: e.SignerTitle, SoHoa: e.Digitise != "", MaHoSo: e.DossierCode,
		NycHoTen: f.Declarant.FullName, NycQuanHe: f.Declarant.Relation, NycSoGiayTo: f.Declarant.IDNumber,
		NycDienThoai: f.Declarant.Phone}
	if r.NguoiKy == "" && e.RegisteredBy != "" && name != nil {
		r.NguoiKy = name(e.RegisteredBy)
	}
	s := f.Subject
	switch e.Kind {
	case app.RegBirth:
		r.NksHoTen, r.NksGioiTinh, r.NksNgaySinh, r.NksDanToc, r.NksQuocTich, r.NksSoDinhDanh =
			s.FullName, gioiTinh(s.Sex), s.DateOfBirth, s.Ethnicity, s.Nationality, s.IDNumber
		if t, err := time.ParseInLocation("2006-01-02", s.DateOfBirth, app.VN()); err == nil {
			r.NksNgaySinhBangChu = forms.DateInWords(t)
		}
		if f.Place != "" {
			r.NksNoiSinh = &Place{ChiTiet: f.Place}
		}
	case app.RegDeath:
		r.NktHoTen, r.NktGioiTinh, r.NktNgaySinh, r.NktDanToc, r.NktQuocTich, r.NktNoiCuTru, r.NktSoDinhDanh =
			s.FullName, gioiTinh(s.Sex), s.DateOfBirth, s.Ethnicity, s.Nationality, s.Residence, s.IDNumber
		r.NktNgayChet, r.NktNoiChet = f.Date, f.Place
	default:
		r.NguoiDangKy, r.NguoiThuHai = person(&s), person(f.Partner)
		r.NgaySuKien, r.NoiSuKien, r.NoiDung = f.Date, f.Place, f.Content
	}
	if m := f.Mother; m != nil {
		r.MeHoTen, r.MeNgaySinh, r.MeDanToc, r.MeQuocTich, r.MeNoiCuTru, r.MeSoGiayTo =
			m.FullName, m.DateOfBirth, m.Ethnicity, m.Nationality, m.Residence, m.IDNumber
	}
	if c := f.Father; c != nil {
		r.ChaHoTen, r.ChaNgaySinh, r.ChaDanToc, r.ChaQuocTich, r.ChaNoiCuTru, r.ChaSoGiayTo =
			c.FullName, c.DateOfBirth, c.Ethnicity, c.Nationality, c.Residence, c.IDNumber
	}
	for _, c := range e.Corrections {
		r.CaiChinh = append(r.CaiChinh, Correction{Truong: c.Field, Cu: c.Old, Moi: c.New, CanCu: c.Basis, GhiChu: c.Note,
			Ngay: c.At.In(app.VN()).Format("2006-01-02")})
	}
	for _, a := range e.Annotations {
		r.GhiChu = append(r.GhiChu, a.Note)
	}
	return r
}

// noi is where an entry was registered: the commune's People's Committee,
// with its province.
func noi(u forms.Unit) string {
	if u.Province == "" {
		return u.Parent()
	}
	return u.Parent() + ", " + u.Province
}

func gioiTinh(sex string) string {
	switch sex {
	case "nam":
		return "Nam"
	case "nữ":
		return "Nữ"
	}
	return ""
}

func person(p *app.Person) *Person {
	if p == nil {
		return nil
	}
	return &Person{HoTen: p.FullName, GioiTinh: gioiTinh(p.Sex), NgaySinh: p.DateOfBirth, DanToc: p.Ethnicity,
		QuocTich: p.Nationality, NoiCuTru: p.Residence, SoDinhDanh: p.IDNumber}
}
