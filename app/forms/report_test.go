package forms

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"xaso/app"
)

// mayReport is a report on May 2026 over three dossiers: one processed
// early and rated, one still processing past its due date, one waiting
// for a supplement.
func mayReport(t *testing.T) (app.Period, app.ProgressReport, []app.RegisterRow) {
	t.Helper()
	per, err := app.ParsePeriod("2026-05-01", "2026-05-31")
	if err != nil {
		t.Fatal(err)
	}
	b := app.NewProgress(per, vn(2026, 6, 10, 9, 0))
	var rows []app.RegisterRow
	for i, script := range []func(f *folded){
		func(f *folded) {
			f.act(t, "lan", vn(2026, 5, 4, 9, 0), app.ActForward, "", noDue)
			f.act(t, "hung", vn(2026, 5, 5, 10, 0), app.ActResolve, "", noDue)
			f.act(t, "lan", vn(2026, 5, 5, 15, 0), app.ActReturn, "", noDue)
			f.apply(t, app.KindDossierRate, "lan", vn(2026, 5, 5, 15, 1),
				&app.RateBody{DossierID: "dossier-0001", Value: app.VerySatisfied})
		},
		func(f *folded) { f.act(t, "lan", vn(2026, 5, 4, 9, 0), app.ActForward, "", noDue) },
		func(f *folded) {
			f.act(t, "lan", vn(2026, 5, 4, 9, 0), app.ActForward, "", noDue)
			f.act(t, "hung", vn(2026, 5, 5, 9, 0), app.ActRequestSupplement, "Thiếu tờ khai", noDue)
		},
	} {
		f := sampleDossier(t)
		f.d.Code = strings.Replace(f.d.Code, "0007", "000"+string(rune('1'+i)), 1)
		f.d.ReceivedAt = vn(2026, 5, 4, 8, i)
		f.d.History[0].At = f.d.ReceivedAt
		script(f)
		b.Add(f.d)
		rows = append(rows, app.RegisterRowOf(f.d))
		rows[i].No = i + 1
	}
	return per, b.Report(), rows
}

func TestProgressPDF(t *testing.T) {
	per, rep, _ := mayReport(t)
	var buf bytes.Buffer
	if err := ProgressPDF(&buf, unit(), per, rep, vn(2026, 6, 10, 9, 0)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(artifacts(t), "progress-2026-05.pdf"), buf.Bytes(), 0o644)
	text := pdfText(t, buf.Bytes())
	for _, w := range []string{"BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
		"Từ ngày 01/05/2026 đến ngày 31/05/2026 (số liệu tính đến 24:00 ngày 31/05/2026)",
		"Số hồ sơ nhận giải quyết", "chuyển qua", "Số hồ sơ đã giải quyết", "Trước hạn", "Số hồ sơ đang giải quyết",
		"Chờ nghĩa vụ tài chính", "Xác nhận tình trạng hôn nhân (1.004873)", "Tổng cộng",
		"Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn: 100,0% (1/1 hồ sơ đã giải quyết)",
		"Rất hài lòng 1; Hài lòng 0; Không hài lòng 0", "Số hóa hồ sơ: 0/3", "NGƯỜI LẬP BÁO CÁO"} {
		if !strings.Contains(text, w) {
			t.Errorf("%q missing from the progress report:\n%s", w, text)
		}
	}
	// Total row: received 3 (0 carried, 0 online, 3 in person, 0 post),
	// processed 1 (1 early), in progress 1 (0 within, 1 overdue), paused 1 supplement.
	if layout := pdfLayoutText(t, buf.Bytes()); !strings.Contains(layout, "Tổng cộng 3 0 0 3 0 1 1 0 0 1 0 1 1 0 0 0") {
		t.Errorf("total row not as computed:\n%s", layout)
	}
}

func TestProgressXLSX(t *testing.T) {
	per, rep, _ := mayReport(t)
	var buf bytes.Buffer
	if err := ProgressXLSX(&buf, unit(), per, rep, vn(2026, 6, 10, 9, 0)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(artifacts(t), "progress-2026-05.xlsx"), buf.Bytes(), 0o644)
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Báo cáo")
	if err != nil {
		t.Fatal(err)
	}
	var total []string
	for _, r := range rows {
		if len(r) > 1 && r[1] == "Tổng cộng" {
			total = r[2:]
		}
	}
	want := []string{"3", "0", "0", "3", "0", "1", "1", "0", "0", "1", "0", "1", "1", "0", "0", "0"}
	if strings.Join(total, ",") != strings.Join(want, ",") {
		t.Errorf("total row %v, want %v", total, want)
	}
	if v, _ := f.GetCellValue("Báo cáo", "I8"); v != "Trước hạn" {
		t.Errorf("I8 = %q, want the heading Trước hạn", v)
	}
	if v, _ := f.GetCellValue("Báo cáo", "A4"); v != strings.ToUpper(ProgressTitle) {
		t.Errorf("A4 = %q", v)
	}
}

func TestRegisterExports(t *testing.T) {
	per, _, rows := mayReport(t)
	var pdf, xlsx bytes.Buffer
	if err := RegisterPDF(&pdf, unit(), per, rows, vn(2026, 6, 10, 9, 0)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(artifacts(t), "register-2026-05.pdf"), pdf.Bytes(), 0o644)
	text := pdfText(t, pdf.Bytes())
	for _, w := range []string{"SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/05/2026 đến ngày 31/05/2026", "260429-0001", "260429-0003",
		"Đã trả kết quả", "Rất hài lòng", "Yêu cầu bổ sung giấy tờ", "Tổng số: 3 hồ sơ"} {
		if !strings.Contains(text, w) {
			t.Errorf("%q missing from the register:\n%s", w, text)
		}
	}
	if err := RegisterXLSX(&xlsx, unit(), per, rows, vn(2026, 6, 10, 9, 0)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := f.GetCellValue("Sổ theo dõi", "B8")
	recv, _ := f.GetCellValue("Sổ theo dõi", "H8")
	name, _ := f.GetCellValue("Sổ theo dõi", "E10")
	if got != rows[0].Code || recv != "04/05/2026 08:00" || name != "Nguyễn Thị Hồng Nhung" {
		t.Errorf("register row 1: code %q received %q; row 3 name %q", got, recv, name)
	}
}
