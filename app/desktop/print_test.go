package desktop

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrintEndpoint(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	xlsx := []byte("PK\x03\x04 a workbook")
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	cases := []struct {
		name, method, ctype, filename string
		body                          []byte
		openErr                       error
		status                        int
		code                          string
		opened                        string // the saved file's name prefix, "" when nothing may open
	}{
		{"a receipt", "POST", "application/pdf", "000.00.31.H42-261127-0001-01.pdf", pdf, nil, 204, "", "000.00.31.H42-261127-0001-01-"},
		{"a report", "POST", xlsxType, "bao-cao-2026-Q3.xlsx", xlsx, nil, 204, "", "bao-cao-2026-Q3-"},
		{"a scan", "POST", "image/jpeg", "scan.jpg", []byte("\xff\xd8\xff\xe0 jpeg"), nil, 204, "", "scan-"},
		{"a workbook that says it is a PDF", "POST", "application/pdf", "a.pdf", xlsx, nil, 400, "invalid", ""},
		{"a PDF named .xlsx is saved as .pdf", "POST", "application/pdf", "a.xlsx", pdf, nil, 204, "", "a-"},
		{"a name that tries to leave the folder", "POST", "application/pdf", "../../home/x/.bashrc", pdf, nil, 204, "", "bashrc-"},
		{"no name", "POST", "application/pdf", "", pdf, nil, 204, "", "xaso-"},
		{"GET", "GET", "application/pdf", "a.pdf", nil, nil, 405, "method_not_allowed", ""},
		{"not declared a PDF", "POST", "text/html", "a.pdf", pdf, nil, 400, "invalid", ""},
		{"not a PDF inside", "POST", "application/pdf", "a.pdf", []byte("<html>"), nil, 400, "invalid", ""},
		{"too large", "POST", "application/pdf", "a.pdf", append(append([]byte{}, pdf...), make([]byte, maxOpenFile)...), nil, 413, "too_large", ""},
		{"no viewer", "POST", "application/pdf", "a.pdf", pdf, errors.New("xdg-open not found"), 500, "print_failed", "a-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var opened []string
			p := &printer{dir: dir, log: slog.New(slog.DiscardHandler), open: func(path string) error {
				opened = append(opened, path)
				return tc.openErr
			}}
			req := httptest.NewRequest(tc.method, "http://wails.localhost"+OpenPath, bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			req.Header.Set("X-Filename", tc.filename)
			rec := httptest.NewRecorder()
			desktopRoutes(p, http.NotFoundHandler()).ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
				t.Fatalf("body %s, want code %s", rec.Body, tc.code)
			}
			if tc.opened == "" {
				if len(opened) != 0 {
					t.Fatalf("opened %v for a refused request", opened)
				}
				if files, _ := os.ReadDir(dir); len(files) != 0 {
					t.Fatalf("a refused request left %d files", len(files))
				}
				return
			}
			ext := map[string]string{"application/pdf": ".pdf", xlsxType: ".xlsx", "image/jpeg": ".jpg"}[tc.ctype]
			if len(opened) != 1 || filepath.Dir(opened[0]) != dir || !strings.HasPrefix(filepath.Base(opened[0]), tc.opened) ||
				!strings.HasSuffix(opened[0], ext) {
				t.Fatalf("opened %v, want one %s*%s in %s", opened, tc.opened, ext, dir)
			}
			if got, err := os.ReadFile(opened[0]); err != nil || !bytes.Equal(got, tc.body) {
				t.Fatalf("the saved file differs from the PDF sent: %v", err)
			}
		})
	}
}

func TestDesktopRoutes(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "next "+r.URL.Path) })
	h := desktopRoutes(&printer{dir: t.TempDir(), log: slog.New(slog.DiscardHandler)}, next)
	for path, want := range map[string]string{
		InfoPath:            `{"desktop":true,"print":true}`,
		"/api/v1/health":    "next /api/v1/health",
		"/":                 "next /",
		"/desktop/whatever": "next /desktop/whatever",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://wails.localhost"+path, nil))
		if got := rec.Body.String(); got != want {
			t.Errorf("GET %s: %q, want %q", path, got, want)
		}
	}
}

// PrintPath sends a PDF to the printer, never to the viewer, and takes
// nothing but a PDF.
func TestPrintStraightToThePrinter(t *testing.T) {
	pdf := []byte("%PDF-1.7\n%%EOF\n")
	for _, tc := range []struct {
		name, ctype string
		body        []byte
		printErr    error
		status      int
		printed     int
	}{
		{"a receipt", "application/pdf", pdf, nil, 204, 1},
		{"a workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("PK\x03\x04 x"), nil, 400, 0},
		{"no printer", "application/pdf", pdf, errors.New("lp: no default destination"), 500, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var printed, opened []string
			p := &printer{dir: t.TempDir(), log: slog.New(slog.DiscardHandler),
				open:  func(path string) error { opened = append(opened, path); return nil },
				print: func(path string) error { printed = append(printed, path); return tc.printErr }}
			req := httptest.NewRequest("POST", "http://wails.localhost"+PrintPath, bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			req.Header.Set("X-Filename", "X-01.pdf")
			rec := httptest.NewRecorder()
			desktopRoutes(p, http.NotFoundHandler()).ServeHTTP(rec, req)
			if rec.Code != tc.status || len(printed) != tc.printed || len(opened) != 0 {
				t.Fatalf("status %d, printed %v, opened %v: %s", rec.Code, printed, opened, rec.Body)
			}
			if tc.printed == 1 {
				if got, err := os.ReadFile(printed[0]); err != nil || !bytes.Equal(got, pdf) {
					t.Fatalf("the file printed is not the PDF sent: %v", err)
				}
			}
		})
	}
}
