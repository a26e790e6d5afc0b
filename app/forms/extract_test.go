package forms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"xaso/app"
)

// sampleEntry is a birth entry with a correction and a note, folded from
// its commands as the store does.
func sampleEntry(t *testing.T) app.Entry {
	t.Helper()
	var e app.Entry
	apply := func(kind, actor string, at app.HLC, body app.Body) {
		c, err := app.NewCommand("cmd-"+kind+"-0001", kind, actor, "n1", at, body)
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(c, body)
	}
	at := app.MakeHLC(vn(2026, 12, 1, 9, 30).UnixMilli(), 0)
	apply(app.KindEntryCreate, "thuy", at, &app.EntryBody{Register: "birth-2026", Kind: app.RegBirth, Year: 2026, Book: "01",
		Number: 7001, Slot: 7, RegisteredAt: vn(2026, 12, 1, 9, 30), Facts: app.Facts{
			Subject: app.Person{FullName: "Lê Thị Hoa", Sex: "nữ", DateOfBirth: "2026-11-30", Ethnicity: "Kinh", Nationality: "Việt Nam"},
			Mother:  &app.Person{FullName: "Trần Thị Bình", DateOfBirth: "1995-03-02", Ethnicity: "Kinh", Nationality: "Việt Nam"},
			Father:  &app.Person{FullName: "Lê Văn Cường", DateOfBirth: "1993-07-09"},
			Date:    "2026-11-30", Place: "Trạm y tế xã Yên Mô, tỉnh Ninh Bình",
			Declarant: app.Declarant{FullName: "Lê Văn Cường", Relation: "cha"}}})
	apply(app.KindEntryCorrect, "hung", app.MakeHLC(vn(2026, 12, 2, 9, 30).UnixMilli(), 0), &app.EntryChangeBody{Register: "birth-2026", Number: 7001,
		Field: "subject.full_name", Old: "Lê Thị Hoa", New: "Lê Thị Huệ", Note: "Sai chính tả.", Basis: "Quyết định 12/QĐ-UBND"})
	apply(app.KindEntryExtract, "lan", app.MakeHLC(vn(2026, 12, 4, 9, 30).UnixMilli(), 0), &app.EntryChangeBody{Register: "birth-2026", Number: 7001, Copies: 2, FeeVND: 8000})
	if e.Current.Subject.FullName != "Lê Thị Huệ" || len(e.Extracts) != 1 {
		t.Fatalf("entry folded to %+v", e)
	}
	return e
}

func TestExtractText(t *testing.T) {
	e := sampleEntry(t)
	var b bytes.Buffer
	if err := Extract(&b, ExtractInput{Entry: e, Issue: &e.Extracts[0], Unit: unit(), Name: names, Printed: vn(2026, 12, 4, 10, 0)}); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, b.Bytes())
	for _, w := range []string{"ỦY BAN NHÂN DÂN XÃ YÊN MÔ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TRÍCH LỤC KHAI SINH", "Số: 7001/2026",
		"LÊ THỊ HUỆ", "30/11/2026 (ngày ba mươi tháng mười một năm hai nghìn không trăm hai mươi sáu)", "Giới tính: Nữ",
		"Trạm y tế xã Yên Mô", "TRẦN THỊ BÌNH", "Năm sinh: 1995", "LÊ VĂN CƯỜNG", "số 7001, quyển số 01/2026", "01/12/2026",
		"cải chính họ, chữ đệm, tên từ “Lê Thị Hoa” thành “Lê Thị Huệ” theo Quyết định 12/QĐ-UBND",
		"Cấp lần thứ 1, 2 bản", "8.000 đồng", "NGƯỜI KÝ TRÍCH LỤC", "Đỗ Thị Lan"} {
		if !strings.Contains(text, w) {
			t.Errorf("%q missing from the extract:\n%s", w, text)
		}
	}
	if strings.Contains(text, "XEM TRƯỚC") {
		t.Error("an issued extract is marked as a preview")
	}
	b.Reset()
	if err := Extract(&b, ExtractInput{Entry: e, Unit: unit(), Printed: vn(2026, 12, 4, 10, 0)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pdfText(t, b.Bytes()), "BẢN XEM TRƯỚC — CHƯA CẤP") {
		t.Error("a preview is not marked")
	}
	// The QR code holds the entry's reference, which the registers' search takes.
	zbar := tool(t, "zbarimg")
	b.Reset()
	Extract(&b, ExtractInput{Entry: e, Issue: &e.Extracts[0], Unit: unit(), Printed: vn(2026, 12, 4, 10, 0)})
	tmp := filepath.Join(t.TempDir(), "x.pdf")
	os.WriteFile(tmp, b.Bytes(), 0o600)
	png := filepath.Join(t.TempDir(), "x")
	if out, err := exec.Command(tool(t, "pdftoppm"), "-png", "-r", "150", "-singlefile", tmp, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(zbar, "--raw", "-q", png+".png").Output()
	if err != nil {
		t.Fatalf("no QR code on the extract: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), app.ExtractQR("14701", "birth-2026", 7001, 1); got != want {
		t.Errorf("QR says %q, want %q", got, want)
	}
}

func TestNumberInWords(t *testing.T) {
	for n, want := range map[int]string{0: "không", 5: "năm", 10: "mười", 15: "mười lăm", 21: "hai mươi mốt", 24: "hai mươi tư",
		30: "ba mươi", 105: "một trăm linh năm", 1998: "một nghìn chín trăm chín mươi tám", 2005: "hai nghìn không trăm linh năm",
		2010: "hai nghìn không trăm mười", 2026: "hai nghìn không trăm hai mươi sáu", 2000: "hai nghìn", 11: "mười một"} {
		if got := NumberInWords(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	if got := DateInWords(vn(2026, 4, 1, 0, 0)); got != "ngày một tháng tư năm hai nghìn không trăm hai mươi sáu" {
		t.Errorf("date in words: %q", got)
	}
}
