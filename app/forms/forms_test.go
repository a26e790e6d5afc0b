package forms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/build/testkit"
)

var noDue time.Time

var vn = testkit.VN

// folded builds a dossier the way every node does: by folding commands.
type folded struct {
	d   app.Dossier
	seq int
}

func (f *folded) apply(t testing.TB, kind, actor string, at time.Time, body app.Body) {
	t.Helper()
	f.seq++
	c, err := app.NewCommand("cmd-test-"+string(rune('a'+f.seq)), kind, actor, "ntest", app.MakeHLC(at.UnixMilli(), 0), body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Decode()
	if err != nil {
		t.Fatal(err)
	}
	f.d.Apply(c, b)
}

func (f *folded) act(t testing.TB, actor string, at time.Time, a app.Action, note string, due time.Time) {
	t.Helper()
	f.apply(t, app.KindDossierAct, actor, at, &app.ActBody{DossierID: "dossier-0001", Action: a, Note: note, DueAt: due})
}

// sampleDossier is a marital status confirmation received on 29 April 2026,
// due 6 May (the 30 April and 1 May holidays in between).
func sampleDossier(t testing.TB) *folded {
	f := &folded{}
	f.apply(t, app.KindDossierReceive, "lan", vn(2026, 4, 29, 9, 0), &app.ReceiveBody{
		DossierID: "dossier-0001", Code: "000.00.31.H42-260429-0007", Slot: 0, Seq: 7, Channel: app.ChannelInPerson,
		Procedure: app.ProcedureRef{Code: "1.004873", Name: "Xác nhận tình trạng hôn nhân", Version: "2025.07-default",
			Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
		Applicant: app.Applicant{FullName: "Nguyễn Thị Hồng Nhung", IDNumber: "037190001234", DateOfBirth: "1990-05-01",
			Phone: "0912345678", Email: "nhung@example.vn", Address: "Thôn Tiên Dương, xã Yên Mô, tỉnh Ninh Bình"},
		Documents: []app.Document{{Name: "Tờ khai cấp giấy xác nhận tình trạng hôn nhân", Copies: 1},
			{Name: "Bản sao giấy tờ chứng minh nơi cư trú", Copies: 2}},
		ReceivedAt: vn(2026, 4, 29, 9, 0), DueAt: vn(2026, 5, 6, 9, 0)})
	return f
}

func names(u string) string {
	return map[string]string{"lan": "Đỗ Thị Lan", "hung": "Trịnh Văn Hùng", "thuy": "Lê Thị Thủy"}[u]
}

func unit() Unit {
	u := UnitOf(app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"})
	return u
}

// pdfText extracts the text of a PDF with poppler's pdftotext, the way a
// reader's copy-paste or a search index sees it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return extract(t, pdf)
}

// pdfLayoutText keeps the page layout, so that a table row reads as one line.
func pdfLayoutText(t *testing.T, pdf []byte) string {
	t.Helper()
	return extract(t, pdf, "-layout")
}

func extract(t *testing.T, pdf []byte, opts ...string) string {
	t.Helper()
	bin := tool(t, "pdftotext")
	dir := t.TempDir()
	in := filepath.Join(dir, "f.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-enc", "UTF-8"}, opts...), in, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if len(opts) > 0 {
		lines := strings.Split(string(out), "\n")
		for i, l := range lines {
			lines[i] = strings.Join(strings.Fields(l), " ")
		}
		return strings.Join(lines, "\n")
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func render(t *testing.T, n string, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, n, in); err != nil {
		t.Fatalf("render %s: %v", n, err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("form %s is not a PDF", n)
	}
	return b.Bytes()
}

// tool finds a command-line tool the test reads its output with. Missing,
// the test is skipped, unless XASO_PDF_REQUIRED is set (CI), where a
// skip would hide a missing package.
func tool(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err == nil {
		return bin
	}
	msg := name + " is not installed (Debian: poppler-utils, zbar-tools): run `make deps-pdf`"
	if os.Getenv("XASO_PDF_REQUIRED") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifacts is where test outputs worth looking at are kept:
// $XASO_ARTIFACTS, or build/artifacts at the top of the module.
func artifacts(t *testing.T) string {
	dir := os.Getenv("XASO_ARTIFACTS")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "build", "artifacts")
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
