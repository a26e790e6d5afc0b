package exchange_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/exchange"
	"xaso/app/forms"
)

var unit = forms.Unit{Commune: "14701", Name: "Xã Yên Mô", Province: "Tỉnh Ninh Bình"}

// A death and a marriage in the exchange's shape: the deceased's nkt*
// fields, the spouses as the two persons, the facts in force with each
// correction listed, and the signer's full name for an entry made at the desk.
func TestRecordsOfOtherKinds(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, app.VN())
	death := app.Entry{Register: "death-2026", Kind: app.RegDeath, Year: 2026, Book: "01", Number: 4, RegisteredAt: at, RegisteredBy: "lanh",
		Current: app.Facts{Subject: app.Person{FullName: "Vũ Văn Khải", Sex: "nam", DateOfBirth: "1931-01-01", Residence: "Thôn Bắc"},
			Date: "2026-02-27", Place: "Tại nhà", Declarant: app.Declarant{FullName: "Vũ Văn Lộc", Relation: "con"}},
		Corrections: []app.Correction{{Field: "subject.date_of_birth", Old: "1930-01-01", New: "1931-01-01", Note: "Sai năm sinh", Basis: "QĐ 3", At: at}}}
	marriage := app.Entry{Register: "marriage-2026", Kind: app.RegMarriage, Year: 2026, Book: "01", Number: 1, RegisteredAt: at,
		Current: app.Facts{Subject: app.Person{FullName: "Đinh Văn Nam", Sex: "nam"}, Partner: &app.Person{FullName: "Lò Thị Xuân", Sex: "nữ", Ethnicity: "Thái"},
			Date: "2026-03-02", Place: "UBND xã", Declarant: app.Declarant{FullName: "Đinh Văn Nam"}},
		Annotations: []app.Annotation{{Note: "Đã cấp bản sao"}}}
	name := func(u string) string { return map[string]string{"lanh": "Trần Văn Lãnh"}[u] }
	for _, c := range []struct {
		e    app.Entry
		want string
	}{
		{death, `{"maDonVi":"14701","noiDangKy":"Ủy ban nhân dân xã Yên Mô, Tỉnh Ninh Bình","loaiDangKy":"khai_tu","so":4,"quyenSo":"01",` +
			`"namMoSo":2026,"ngayDangKy":"2026-03-02","nguoiKy":"Trần Văn Lãnh","soHoa":false,"nktHoTen":"Vũ Văn Khải","nktGioiTinh":"Nam",` +
			`"nktNgaySinh":"1931-01-01","nktNoiCuTru":"Thôn Bắc","nktNgayChet":"2026-02-27","nktNoiChet":"Tại nhà","nycHoTen":"Vũ Văn Lộc",` +
			`"nycQuanHe":"con","caiChinh":[{"truong":"subject.date_of_birth","giaTriCu":"1930-01-01","giaTriMoi":"1931-01-01","canCu":"QĐ 3",` +
			`"ghiChu":"Sai năm sinh","ngay":"2026-03-02"}]}`},
		{marriage, `{"maDonVi":"14701","noiDangKy":"Ủy ban nhân dân xã Yên Mô, Tỉnh Ninh Bình","loaiDangKy":"ket_hon","so":1,"quyenSo":"01",` +
			`"namMoSo":2026,"ngayDangKy":"2026-03-02","soHoa":false,"nguoiDangKy":{"hoTen":"Đinh Văn Nam","gioiTinh":"Nam"},` +
			`"nguoiThuHai":{"hoTen":"Lò Thị Xuân","gioiTinh":"Nữ","danToc":"Thái"},"ngaySuKien":"2026-03-02","noiSuKien":"UBND xã",` +
			`"nycHoTen":"Đinh Văn Nam","ghiChu":["Đã cấp bản sao"]}`},
	} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(exchange.Of(c.e, unit, name)); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(b.String()); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.e.Register, got, c.want)
		}
	}
}
