// Package portal is the hub's exchange with the national public-service
// portal (DVCQG) through the province's integration adapter (LGSP): the
// exporter turns the dossiers folded at the hub into the portal's shape
// (export.go), a change feed reads them incrementally (source.go), and the
// connector pushes them with an outbox, retries and a report of what the
// portal refused (connector.go, outbox.go). The shape is the one public
// provincial connectors use (../shared/domain/README.md, "National portal
// exchange"); the official guide's tables were not read.
package portal

import (
	"fmt"
	"strings"
	"time"

	"xaso/app"
)

// DateLayout is the portal's yyyyMMddHHmmss, in Asia/Ho_Chi_Minh.
const DateLayout = "20060102150405"

// Date formats t for the portal; the zero time is "".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.VN()).Format(DateLayout)
}

// Dossier is a dossier as DongBoHoSoMC takes it.
type Dossier struct {
	MaHoSo                 string            `json:"MaHoSo"`
	MaTTHC                 string            `json:"MaTTHC"`
	TenTTHC                string            `json:"TenTTHC"`
	MaLinhVuc              string            `json:"MaLinhVuc"`
	TenLinhVuc             string            `json:"TenLinhVuc"`
	KenhThucHien           int               `json:"KenhThucHien"` // 1 in person, 2 online, 3 post
	ChuHoSo                string            `json:"ChuHoSo"`
	SoGiayToChuHoSo        string            `json:"SoGiayToChuHoSo"`
	LoaiDoiTuong           int               `json:"LoaiDoiTuong"` // 1 citizen
	MaDoiTuong             string            `json:"MaDoiTuong"`
	ThongTinKhac           string            `json:"ThongTinKhac"`
	Email                  string            `json:"Email"`
	Fax                    string            `json:"Fax"`
	SoDienThoai            string            `json:"SoDienThoai"`
	TrichYeuHoSo           string            `json:"TrichYeuHoSo"`
	NgayNopHoSo            string            `json:"NgayNopHoSo"`
	NgayTiepNhan           string            `json:"NgayTiepNhan"`
	NgayHenTra             string            `json:"NgayHenTra"`
	TrangThaiHoSo          int               `json:"TrangThaiHoSo"` // 1–10 (statuses.csv)
	NgayTra                string            `json:"NgayTra"`
	ThongTinTra            string            `json:"ThongTinTra"`
	HinhThuc               int               `json:"HinhThuc"` // 0 at the desk, 1 by post
	NgayKetThucXuLy        string            `json:"NgayKetThucXuLy"`
	NgayTuChoi             string            `json:"NgayTuChoi"`
	DonViXuLy              string            `json:"DonViXuLy"`
	GhiChu                 string            `json:"GhiChu"`
	HoSoCoThanhPhanSoHoa   bool              `json:"HoSoCoThanhPhanSoHoa"`
	DuocThanhToanTrucTuyen bool              `json:"DuocThanhToanTrucTuyen"`
	DinhDanhCHS            []Identity        `json:"DinhDanhCHS"`
	TaiLieuNop             []Paper           `json:"TaiLieuNop"`
	DanhSachLePhi          []Fee             `json:"DanhSachLePhi"`
	DanhSachTepDinhKemKhac []File            `json:"DanhSachTepDinhKemKhac"`
	DanhSachHoSoBoSung     []SupplementRound `json:"DanhSachHoSoBoSung"`
	DanhSachGiayToKetQua   []ResultPaper     `json:"DanhSachGiayToKetQua"`
}

// Identity is the applicant's identity number (1: the 12-digit personal ID).
type Identity struct {
	LoaiDinhDanh int    `json:"LoaiDinhDanh"`
	SoDinhDanh   string `json:"SoDinhDanh"`
}

// Paper is a document the citizen handed in.
type Paper struct {
	TenGiayTo     string `json:"TenGiayTo"`
	SoBan         int    `json:"SoBan"`
	LoaiBan       string `json:"LoaiBan"` // original, copy, certified_copy
	DuocSoHoa     bool   `json:"DuocSoHoa"`
	DuocTaiSuDung bool   `json:"DuocTaiSuDung"`
}

// Fee is a fee paid (none recorded by the desk yet: the list stays empty).
type Fee struct {
	TenPhiLePhi string `json:"TenPhiLePhi"`
	MucPhi      int64  `json:"MucPhi"`
}

// File is a scan the portal downloads from the hub (files go as URLs).
type File struct {
	TenTepDinhKem string `json:"TenTepDinhKem"`
	DuongDanTep   string `json:"DuongDanTep"`
}

// SupplementRound is one request to supplement and the citizen's answer.
type SupplementRound struct {
	NguoiYeuCauBoSung  string `json:"NguoiYeuCauBoSung"`
	NoiDungBoSung      string `json:"NoiDungBoSung"`
	NgayYeuCauBoSung   string `json:"NgayYeuCauBoSung"`
	NgayTiepNhanBoSung string `json:"NgayTiepNhanBoSung"` // "" while the citizen has not answered
	NgayHenTraTruoc    string `json:"NgayHenTraTruoc"`
	NgayHenTraMoi      string `json:"NgayHenTraMoi"`
}

// ResultPaper is a result handed to the citizen (a register entry).
type ResultPaper struct {
	TenGiayTo string `json:"TenGiayTo"`
	SoKyHieu  string `json:"SoKyHieu"`
	NgayKy    string `json:"NgayKy"`
}

// Progress is one step of a dossier, as CapNhatTienDoHoSoMC takes it.
type Progress struct {
	MaHoSo                 string `json:"MaHoSo"`
	NguoiXuLy              string `json:"NguoiXuLy"`
	ChucDanh               string `json:"ChucDanh"`
	ThoiDiemXuLy           string `json:"ThoiDiemXuLy"`
	PhongBanXuLy           string `json:"PhongBanXuLy"`
	NoiDungXuLy            string `json:"NoiDungXuLy"`
	TrangThai              int    `json:"TrangThai"`
	NgayBatDau             string `json:"NgayBatDau"`
	NgayKetThucTheoQuyDinh string `json:"NgayKetThucTheoQuyDinh"`
}

// Unit is the commune as the portal knows it.
type Unit struct {
	Name     string // "UBND xã Yên Mô"
	FileBase string // public URL prefix of the hub's scans for the portal; "": scans are not listed
}

// Exportable reports whether a dossier goes to the portal: it has its
// official code (a provisional one is sent once the desk recodes it).
func Exportable(d app.Dossier) bool {
	return d.ID != "" && d.Code != "" && !d.Provisional && !strings.HasPrefix(d.Code, app.ProvisionalPrefix)
}

// steps are the portal's words for each step of the lifecycle.
var steps = map[app.Action]string{
	app.ActSubmit: "Nộp hồ sơ trực tuyến", app.ActReceive: "Tiếp nhận hồ sơ", app.ActRefuse: "Từ chối tiếp nhận hồ sơ",
	app.ActForward: "Chuyển xử lý", app.ActHandOver: "Chuyển người xử lý", app.ActReassign: "Giao lại hồ sơ",
	app.ActRequestSupplement: "Yêu cầu bổ sung hồ sơ", app.ActSupplement: "Tiếp nhận hồ sơ bổ sung",
	app.ActRequestPayment: "Yêu cầu thực hiện nghĩa vụ tài chính", app.ActPaid: "Đã thực hiện nghĩa vụ tài chính",
	app.ActStop: "Dừng xử lý", app.ActResolve: "Hoàn thành xử lý", app.ActReturn: "Trả kết quả",
	app.ActWithdraw: "Công dân rút hồ sơ", app.ActApologize: "Xin lỗi và hẹn lại ngày trả",
	app.ActExtend: "Gia hạn theo quy định", app.ActRecode: "Cấp mã hồ sơ",
}

func code(s app.Status) int {
	i, _ := s.Info()
	return i.Code
}

func channel(c app.Channel) int {
	switch c {
	case app.ChannelOnline:
		return 2
	case app.ChannelPost:
		return 3
	}
	return 1
}

// Export turns a dossier into the portal's dossier and its progress rows
// (one per step of its history, oldest first).
func Export(d app.Dossier, u Unit) (Dossier, []Progress) {
	p := Dossier{MaHoSo: d.Code, MaTTHC: d.Procedure.Code, TenTTHC: d.Procedure.Name, KenhThucHien: channel(d.Channel),
		ChuHoSo: d.Applicant.FullName, SoGiayToChuHoSo: d.Applicant.IDNumber, LoaiDoiTuong: 1,
		Email: d.Applicant.Email, SoDienThoai: d.Applicant.Phone, TrichYeuHoSo: d.Procedure.Name + " — " + d.Applicant.FullName,
		NgayTiepNhan: Date(d.ReceivedAt), NgayHenTra: Date(d.Appointment()), TrangThaiHoSo: code(d.Status),
		NgayKetThucXuLy: Date(d.ResolvedAt), DonViXuLy: u.Name, GhiChu: d.Note,
		HoSoCoThanhPhanSoHoa: len(d.Attachments) > 0,
		DinhDanhCHS:          []Identity{}, TaiLieuNop: []Paper{}, DanhSachLePhi: []Fee{}, DanhSachTepDinhKemKhac: []File{},
		DanhSachHoSoBoSung: []SupplementRound{}, DanhSachGiayToKetQua: []ResultPaper{}}
	if len(d.Applicant.IDNumber) == 12 {
		p.DinhDanhCHS = append(p.DinhDanhCHS, Identity{LoaiDinhDanh: 1, SoDinhDanh: d.Applicant.IDNumber})
	}
	if d.Channel == app.ChannelOnline {
		p.NgayNopHoSo = Date(d.ReceivedAt)
	}
	if d.Channel == app.ChannelPost {
		p.HinhThuc = 1
	}
	for _, doc := range d.Documents {
		p.TaiLieuNop = append(p.TaiLieuNop, Paper{TenGiayTo: doc.Name, SoBan: doc.Copies, LoaiBan: doc.Form, DuocSoHoa: len(d.Attachments) > 0})
	}
	if u.FileBase != "" {
		for _, a := range d.Attachments {
			p.DanhSachTepDinhKemKhac = append(p.DanhSachTepDinhKemKhac, File{TenTepDinhKem: a.Name, DuongDanTep: u.FileBase + a.SHA256})
		}
	}
	if e := d.RegisterEntry; e != nil {
		p.DanhSachGiayToKetQua = append(p.DanhSachGiayToKetQua, ResultPaper{TenGiayTo: d.Procedure.Name, SoKyHieu: entryNumber(e), NgayKy: Date(d.ResolvedAt)})
	}

	var rows []Progress
	start := d.ReceivedAt
	due := d.DueAt
	if len(d.History) > 0 && !d.History[0].DueAt.IsZero() {
		due = d.History[0].DueAt
	}
	var round *SupplementRound
	for _, e := range d.History {
		before := due
		if !e.DueAt.IsZero() {
			due = e.DueAt
		}
		switch e.Action {
		case app.ActReceive:
			if d.Channel == app.ChannelOnline {
				p.NgayTiepNhan = Date(e.At)
			}
		case app.ActRefuse:
			p.NgayTuChoi = Date(e.At)
		case app.ActReturn:
			p.NgayTra, p.ThongTinTra = Date(e.At), e.Note
		case app.ActRequestSupplement:
			p.DanhSachHoSoBoSung = append(p.DanhSachHoSoBoSung, SupplementRound{NguoiYeuCauBoSung: e.By, NoiDungBoSung: e.Note,
				NgayYeuCauBoSung: Date(e.At), NgayHenTraTruoc: Date(before)})
			round = &p.DanhSachHoSoBoSung[len(p.DanhSachHoSoBoSung)-1]
		case app.ActSupplement:
			if round != nil {
				round.NgayTiepNhanBoSung, round.NgayHenTraMoi = Date(e.At), Date(due)
				round = nil
			}
		}
		what := steps[e.Action]
		if what == "" {
			what = string(e.Action)
		}
		if e.Note != "" {
			what += ": " + e.Note
		}
		rows = append(rows, Progress{MaHoSo: d.Code, NguoiXuLy: e.By, ThoiDiemXuLy: Date(e.At), PhongBanXuLy: u.Name,
			NoiDungXuLy: what, TrangThai: code(e.To), NgayBatDau: Date(start), NgayKetThucTheoQuyDinh: Date(due)})
		start = e.At
	}
	return p, rows
}

// entryNumber is a register entry's number as printed: number/book.
func entryNumber(e *app.EntryRef) string { return fmt.Sprintf("%d/%s", e.Number, e.Book) }
