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

// TestFormsText prints every form of a dossier that went through a
// supplement request, an apology and a stop, and reads the text back out of
// each PDF: every expected Vietnamese phrase must come out with its
// diacritics intact.
func TestFormsText(t *testing.T) {
	f := sampleDossier(t)
	f.act(t, "lan", vn(2026, 4, 29, 10, 0), "forward", "", noDue)
	f.act(t, "hung", vn(2026, 5, 4, 9, 0), "request_supplement", "Bổ sung bản sao trích lục khai tử của người chồng trước", noDue)
	f.act(t, "lan", vn(2026, 5, 5, 14, 0), "supplement", "", vn(2026, 5, 7, 14, 0))
	f.act(t, "thuy", vn(2026, 5, 6, 16, 0), "apologize", "Cần xác minh tình trạng hôn nhân tại nơi cư trú trước đây", vn(2026, 5, 12, 16, 0))
	f.act(t, "thuy", vn(2026, 5, 11, 9, 0), "stop", "Người yêu cầu đang có đăng ký kết hôn chưa chấm dứt", noDue)
	in := Input{Dossier: f.d, Unit: unit(), Name: names, Printed: vn(2026, 5, 11, 10, 0)}
	common := []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN XÃ YÊN MÔ",
		"000.00.31.H42-260429-0007"}
	tests := []struct {
		form string
		want []string
	}{
		{Receipt, []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ YÊN MÔ",
			"Yên Mô, ngày 29 tháng 4 năm 2026", "Nguyễn Thị Hồng Nhung", "037190001234", "Thôn Tiên Dương, xã Yên Mô, tỉnh Ninh Bình",
			"0912345678", "nhung@example.vn", "Xác nhận tình trạng hôn nhân (mã thủ tục 1.004873)",
			"Tờ khai cấp giấy xác nhận tình trạng hôn nhân", "Bản sao giấy tờ chứng minh nơi cư trú", "3 ngày làm việc",
			"09 giờ 00 phút, ngày 29/04/2026", "09 giờ 00 phút, ngày 06/05/2026",
			"Hẹn trả mới (tính lại từ khi nhận đủ hồ sơ bổ sung):", "14 giờ 00 phút, ngày 07/05/2026", "Đăng ký nhận kết quả tại:",
			"Trực tiếp", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Đỗ Thị Lan", "quét mã QR", "dichvucong.gov.vn"}},
		{Supplement, []string{"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Yên Mô, ngày 04 tháng 5 năm 2026",
			"Bổ sung bản sao trích lục khai tử của người chồng trước", "NGƯỜI HƯỚNG DẪN", "Trịnh Văn Hùng",
			"không tính vào thời hạn giải quyết"}},
		{Apology, []string{"VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN", "Kính gửi: Ông/Bà Nguyễn Thị Hồng Nhung",
			"Cần xác minh tình trạng hôn nhân tại nơi cư trú trước đây", "14 giờ 00 phút, ngày 07/05/2026",
			"16 giờ 00 phút, ngày 12/05/2026", "xin lỗi ông/bà", "Lê Thị Thủy"}},
		{StopNotice, []string{"THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Người yêu cầu đang có đăng ký kết hôn chưa chấm dứt",
			"09 giờ 00 phút, ngày 11/05/2026", "THỦ TRƯỞNG CƠ QUAN"}},
		{ControlSlip, []string{"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Tiếp nhận hồ sơ", "Chuyển xử lý",
			"Yêu cầu bổ sung hồ sơ", "Nhận hồ sơ bổ sung", "Xin lỗi, hẹn lại ngày trả", "Dừng giải quyết",
			"Giao: Công dân: Nguyễn Thị Hồng Nhung", "Nhận: Đỗ Thị Lan", "Bộ phận chuyên môn", "Trước hạn", "(hạn mới: 12/05/2026 16:00)"}},
		{RegisterEntry, []string{"SỔ THEO DÕI HỒ SƠ", "Trích sổ theo dõi hồ sơ", "Xác nhận tình trạng hôn nhân",
			"Nguyễn Thị Hồng Nhung", "Dừng xử lý", "Ủy ban nhân dân xã Yên Mô", "29/04/2026 09:00", "07/05/2026",
			"hẹn lại 12/05/2026 16:00 (văn bản xin lỗi)"}},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			text := pdfText(t, render(t, tt.form, in))
			for _, w := range append(append([]string{}, common...), tt.want...) {
				if !strings.Contains(text, w) {
					t.Errorf("form %s: %q missing from the extracted text:\n%s", tt.form, w, text)
				}
			}
		})
	}
}

// TestReceiptPNG renders page 1 of the receipt, A4 and A5, to PNG with
// pdftoppm and keeps them as test artifacts for a person to look at.
// Decree 61/2018 art. 19(9): an apology (form 04) moves the date once, but
// the receipt (form 01) reprinted afterwards still shows the appointment the
// citizen was given; the new date is on the apology letter only. A date the
// law sets anew (a statutory extension) is printed below the first.
func TestReceiptReprintedAfterApology(t *testing.T) {
	tests := []struct {
		name      string
		steps     func(f *folded)
		want, not []string
	}{
		{"apology only", func(f *folded) {
			f.act(t, "lan", vn(2026, 4, 29, 10, 0), "forward", "", noDue)
			f.act(t, "thuy", vn(2026, 5, 5, 9, 0), "apologize", "Cần xác minh", vn(2026, 5, 12, 16, 0))
		}, []string{"5. Thời gian trả kết quả giải quyết hồ sơ:", "09 giờ 00 phút, ngày 06/05/2026"},
			[]string{"12/05/2026", "Hẹn trả mới"}},
		{"no apology", func(f *folded) {}, []string{"09 giờ 00 phút, ngày 06/05/2026"}, []string{"Hẹn trả mới"}},
		// A statutory extension (Decree 123/2015 art. 22: marital status, up to
		// 20 more days to verify) is printed with its new appointment.
		{"statutory extension", func(f *folded) {
			f.act(t, "lan", vn(2026, 4, 29, 10, 0), "forward", "", noDue)
			f.apply(t, app.KindDossierAct, "hung", vn(2026, 5, 4, 9, 0), &app.ActBody{DossierID: "dossier-0001",
				Action: app.ActExtend, Note: "Kéo dài thời hạn 10 ngày làm việc theo quy định: cần xác minh",
				DueAt: vn(2026, 5, 20, 9, 0), ExtensionHours: 80})
		}, []string{"3 ngày làm việc; kéo dài thêm 10 ngày làm việc theo quy định", "09 giờ 00 phút, ngày 06/05/2026",
			"Hẹn trả mới (kéo dài thời hạn theo quy định):", "09 giờ 00 phút, ngày 20/05/2026"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleDossier(t)
			tt.steps(f)
			text := pdfText(t, render(t, Receipt, Input{Dossier: f.d, Unit: unit(), Name: names, Printed: vn(2026, 5, 11, 10, 0)}))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q missing from the reprinted receipt:\n%s", w, text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("%q on the reprinted receipt:\n%s", w, text)
				}
			}
		})
	}
}

func TestReceiptPNG(t *testing.T) {
	bin := tool(t, "pdftoppm")
	f := sampleDossier(t)
	dir := artifacts(t)
	for _, paper := range []string{A4, A5} {
		pdf := render(t, Receipt, Input{Dossier: f.d, Unit: unit(), Name: names, Printed: vn(2026, 4, 29, 9, 1), Paper: paper})
		base := filepath.Join(dir, "receipt-"+strings.ToLower(paper))
		if err := os.WriteFile(base+".pdf", pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", base+".pdf", base).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		png, err := os.ReadFile(base + ".png")
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10_000 {
			t.Fatalf("receipt page 1 did not render to a PNG (%d bytes, %v)", len(png), err)
		}
		text := pdfText(t, pdf)
		for _, w := range []string{"Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 06/05/2026", "Đỗ Thị Lan"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s receipt: %q missing from %s", paper, w, text)
			}
		}
		if pages := pdfPages(t, base+".pdf"); pages != 1 {
			t.Errorf("%s receipt has %d pages; it must fit on one", paper, pages)
		}
		t.Logf("receipt %s: %s.pdf (%d bytes), %s.png", paper, base, len(pdf), base)
	}
}

func pdfPages(t *testing.T, path string) int {
	out, err := exec.Command(tool(t, "pdfinfo"), path).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n := 0
			for _, c := range strings.TrimSpace(v) {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	return 0
}

// TestRefusalOfOnlineDossier prints form 03 for a dossier submitted online
// and refused at the desk.
func TestRefusalOfOnlineDossier(t *testing.T) {
	f := &folded{}
	f.apply(t, app.KindDossierSubmit, "system", vn(2026, 5, 4, 20, 15), &app.ReceiveBody{
		DossierID: "dossier-0001", Code: "000.00.31.H42-260504-9001", Slot: 9, Seq: 9001, Channel: app.ChannelOnline,
		Procedure:  app.ProcedureRef{Code: "1.001193", Name: "Đăng ký khai sinh", Rule: app.DeadlineRule{Kind: "same_day"}},
		Applicant:  app.Applicant{FullName: "Vũ Đức Thắng", IDNumber: "037085001111"},
		ReceivedAt: vn(2026, 5, 4, 20, 15), DueAt: vn(2026, 5, 5, 17, 0)})
	f.act(t, "lan", vn(2026, 5, 5, 8, 10), app.ActRefuse, "Giấy chứng sinh không hợp lệ: thiếu xác nhận của cơ sở y tế", noDue)
	in := Input{Dossier: f.d, Unit: unit(), Name: names, Printed: vn(2026, 5, 5, 8, 11)}
	text := pdfText(t, render(t, Refusal, in))
	for _, w := range []string{"PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Vũ Đức Thắng", "Đăng ký khai sinh",
		"Giấy chứng sinh không hợp lệ: thiếu xác nhận của cơ sở y tế", "Yên Mô, ngày 05 tháng 5 năm 2026", "Đỗ Thị Lan"} {
		if !strings.Contains(text, w) {
			t.Errorf("%q missing from %s", w, text)
		}
	}
	// The receipt of an online dossier names its channel.
	if text := pdfText(t, render(t, Receipt, in)); !strings.Contains(text, "Trực tuyến") {
		t.Errorf("online receipt without its channel: %s", text)
	}
}

func TestFormErrors(t *testing.T) {
	f := sampleDossier(t)
	in := Input{Dossier: f.d, Unit: unit(), Printed: vn(2026, 4, 29, 9, 1)}
	for _, tt := range []struct{ form, code string }{
		{Supplement, app.EConflict}, {Refusal, app.EConflict}, {Apology, app.EConflict}, {StopNotice, app.EConflict},
		{"08", app.ENotFound}, {"1", app.ENotFound}, {"", app.ENotFound},
	} {
		var b bytes.Buffer
		err := Render(&b, tt.form, in)
		if app.ErrorCode(err) != tt.code || b.Len() != 0 {
			t.Errorf("form %q of a dossier just received: %v (wrote %d bytes), want %s", tt.form, err, b.Len(), tt.code)
		}
		if e := app.AsError(err); e.Message == "" || e.English == "" {
			t.Errorf("form %q: error without messages: %+v", tt.form, e)
		}
	}
}

// TestFormsDeterministic: the same dossier prints the same bytes, so a
// reprint is the same document.
func TestFormsDeterministic(t *testing.T) {
	f := sampleDossier(t)
	in := Input{Dossier: f.d, Unit: unit(), Name: names, Printed: vn(2026, 4, 29, 9, 1)}
	for _, n := range []string{Receipt, ControlSlip, RegisterEntry} {
		if a, b := render(t, n, in), render(t, n, in); !bytes.Equal(a, b) {
			t.Errorf("form %s printed twice differs", n)
		}
	}
}

func TestReceiptQR(t *testing.T) {
	u := unit()
	code := "000.00.31.H42-260429-0007"
	if got := ReceiptQR(u, code); got != "https://dichvucong.gov.vn/tra-cuu-ho-so?ma=000.00.31.H42-260429-0007" {
		t.Errorf("QR says %q", got)
	}
	u.LookupURL = ""
	if got := ReceiptQR(u, code); got != code {
		t.Errorf("QR without a lookup link says %q, want the code", got)
	}
	zbar := tool(t, "zbarimg")
	f := sampleDossier(t)
	pdf := render(t, Receipt, Input{Dossier: f.d, Unit: unit(), Printed: vn(2026, 4, 29, 9, 1)})
	tmp := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(tmp, pdf, 0o600)
	png := filepath.Join(t.TempDir(), "r")
	if out, err := exec.Command(tool(t, "pdftoppm"), "-png", "-r", "150", "-singlefile", tmp, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(zbar, "--raw", "-q", png+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code on the printed receipt: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != ReceiptQR(unit(), code) {
		t.Errorf("printed QR decodes to %q", got)
	}
}

// BenchmarkRenderReceipt: time to print a receipt (A4) to PDF bytes.
func BenchmarkRenderReceipt(b *testing.B) {
	f := sampleDossier(b)
	in := Input{Dossier: f.d, Unit: unit(), Name: names, Printed: vn(2026, 4, 29, 9, 1)}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, Receipt, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "pdf-bytes")
}
