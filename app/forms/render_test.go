package forms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
			"09 giờ 00 phút, ngày 29/04/2026", "16 giờ 00 phút, ngày 12/05/2026", "Đăng ký nhận kết quả tại:",
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
			"Nguyễn Thị Hồng Nhung", "Dừng xử lý", "Ủy ban nhân dân xã Yên Mô", "29/04/2026 09:00", "12/05/2026 16:00"}},
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
func TestReceiptPNG(t *testing.T) {
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm not installed (poppler-utils): run `make deps-paper`")
	}
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
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Skip("pdfinfo not installed")
	}
	out, err := exec.Command(bin, path).Output()
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
