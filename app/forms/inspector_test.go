package forms

import (
	"strings"
	"testing"

	"xaso/app"
)

// The smaller points of issue 12 (point 7) as printed:
//   - form 04 carries its full title (Circular 01/2018, Circular 03/2025 form 04);
//   - form 01's column "Hình thức (bản chính, bản sao)" comes from the desk;
//   - form 03 may follow appraisal (Decree 61/2018 art. 19(8));
//   - form 06 shows every hand-over inside processing, specialist → leader.
func TestPrintedPoints(t *testing.T) {
	printed := vn(2026, 5, 11, 10, 0)
	tests := []struct {
		name  string
		form  string
		steps func(t *testing.T, f *folded)
		want  []string
	}{
		{"form 04 full title", Apology, func(t *testing.T, f *folded) {
			f.act(t, "lan", vn(2026, 4, 29, 10, 0), "forward", "", noDue)
			f.act(t, "thuy", vn(2026, 5, 5, 9, 0), "apologize", "Cần xác minh", vn(2026, 5, 12, 16, 0))
		}, []string{"VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"}},
		{"form 01 original and copy", Receipt, func(t *testing.T, f *folded) {
			f.d.Documents[0].Form = app.DocOriginal
			f.d.Documents[1].Form = app.DocCertifiedCopy
		}, []string{"Bản chính", "Bản sao chứng thực"}},
		{"form 03 after appraisal", Refusal, func(t *testing.T, f *folded) {
			f.act(t, "lan", vn(2026, 4, 29, 10, 0), "forward", "", noDue)
			f.act(t, "hung", vn(2026, 5, 4, 9, 0), "refuse", "Không thuộc thẩm quyền của xã", noDue)
		}, []string{"PHIẾU TỪ CHỐI", "Sau khi thẩm định", "Không thuộc thẩm quyền của xã", "NGƯỜI THẨM ĐỊNH HỒ SƠ", "Trịnh Văn Hùng"}},
		{"form 06 hand-over to the leader", ControlSlip, func(t *testing.T, f *folded) {
			f.apply(t, app.KindDossierAct, "lan", vn(2026, 4, 29, 10, 0), &app.ActBody{DossierID: "dossier-0001",
				Action: app.ActForward, Holder: "hung"})
			f.apply(t, app.KindDossierAct, "hung", vn(2026, 5, 4, 9, 0), &app.ActBody{DossierID: "dossier-0001",
				Action: app.ActHandOver, Holder: "thuy", Note: "Trình ký"})
		}, []string{"Nhận: Trịnh Văn Hùng", "Chuyển người xử lý", "Giao: Trịnh Văn Hùng", "Nhận: Lê Thị Thủy", "Trình ký"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleDossier(t)
			tt.steps(t, f)
			text := pdfText(t, render(t, tt.form, Input{Dossier: f.d, Unit: unit(), Name: names, Printed: printed}))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q missing from form %s:\n%s", w, tt.form, text)
				}
			}
			if f.d.Conflicts != nil {
				t.Fatalf("the script made conflicts: %+v", f.d.Conflicts)
			}
		})
	}
}
