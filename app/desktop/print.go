package desktop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Printing and opening files from the window. In a browser the UI prints a
// form by opening the PDF in the browser's own viewer, and saves a report
// as a download. The WebView inside the window has neither a viewer window
// nor a download folder, so there the UI posts the file to OpenPath, served
// only by the window (never by `xaso serve`): the window saves it in a
// folder of its own and opens it with the PC's application for it
// (xdg-open on Linux, the shell's default on Windows): the PDF viewer,
// where the official prints, or the spreadsheet for a report.

const (
	// InfoPath answers {"desktop":true} inside the window, so the UI knows.
	InfoPath = "/desktop/info"
	// OpenPath takes a file (POST, its Content-Type, its name in
	// X-Filename): a PDF, an XLSX workbook or a JPEG or PNG scan, and opens
	// it with the PC's application for it.
	OpenPath = "/desktop/open-file"
	// PrintPath takes a PDF (POST, as OpenPath) and sends it straight to
	// the PC's default printer: the official confirmed once in the page,
	// no viewer to click through (lp on Linux, the shell's print verb on
	// Windows).
	PrintPath = "/desktop/print-file"

	maxOpenFile = 20 << 20
	printKeep   = 24 * time.Hour // files opened more than this long ago are removed
)

// openable are the files the window hands to the PC: media type, the bytes
// they start with, and the extension they are saved with.
var openable = []struct {
	media, magic, ext string
}{
	{"application/pdf", "%PDF-", ".pdf"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04", ".xlsx"},
	{"image/jpeg", "\xff\xd8\xff", ".jpg"},
	{"image/png", "\x89PNG\r\n\x1a\n", ".png"},
}

// printer serves OpenPath.
type printer struct {
	dir  string                  // where PDFs are saved for the viewer
	open func(path string) error // hands a file to the PC's viewer
	// print sends a saved PDF to the PC's default printer (PrintPath).
	print func(path string) error
	log   *slog.Logger
}

func (p *printer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		printError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Chỉ nhận tệp gửi lên để mở.")
		return
	}
	media, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	kind := -1
	for i, o := range openable {
		if strings.TrimSpace(media) == o.media {
			kind = i
		}
	}
	toPrinter := r.URL.Path == PrintPath
	if kind < 0 || toPrinter && kind != 0 {
		printError(w, http.StatusBadRequest, "invalid", "Chỉ mở được tệp PDF, bảng tính XLSX hoặc ảnh JPEG, PNG (chỉ in thẳng được tệp PDF).")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxOpenFile+1))
	switch {
	case err != nil:
		printError(w, http.StatusBadRequest, "invalid", "Không nhận được trọn tệp, hãy thử lại.")
		return
	case len(data) > maxOpenFile:
		printError(w, http.StatusRequestEntityTooLarge, "too_large", "Tệp quá lớn để mở.")
		return
	case !bytes.HasPrefix(data, []byte(openable[kind].magic)):
		printError(w, http.StatusBadRequest, "invalid", "Nội dung tệp không đúng loại đã khai.")
		return
	}
	path, err := p.save(safeName(r.Header.Get("X-Filename"), openable[kind].ext), data)
	if err != nil {
		p.log.Error("save file to open", "err", err)
		printError(w, http.StatusInternalServerError, "print_failed", "Không lưu được tệp để in (ổ đĩa đầy hoặc không ghi được).")
		return
	}
	if toPrinter {
		if err := p.print(path); err != nil {
			p.log.Error("print file", "path", path, "err", err)
			printError(w, http.StatusInternalServerError, "print_failed",
				"Không gửi được tới máy in (máy in đã bật và đặt làm máy in mặc định chưa?); tệp đã lưu tại "+path+".")
			return
		}
		p.log.Info("file sent to the printer", "path", path)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := p.open(path); err != nil {
		p.log.Error("open file", "path", path, "err", err)
		printError(w, http.StatusInternalServerError, "print_failed",
			"Không mở được chương trình xem tệp của máy; tệp đã lưu tại "+path+".")
		return
	}
	p.log.Info("file opened", "path", path)
	w.WriteHeader(http.StatusNoContent)
}

// save writes data to a new file in p.dir named after name, and removes
// the files opened more than printKeep ago.
func (p *printer) save(name string, data []byte) (string, error) {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return "", err
	}
	p.sweep()
	ext := filepath.Ext(name)
	f, err := os.CreateTemp(p.dir, strings.TrimSuffix(name, ext)+"-*"+ext)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func (p *printer) sweep() {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() && time.Since(info.ModTime()) > printKeep {
			_ = os.Remove(filepath.Join(p.dir, e.Name()))
		}
	}
}

// safeName keeps letters, digits, dots, dashes and underscores of a file
// name, so that a name never leaves the folder, and gives it extension ext.
func safeName(s, ext string) string {
	var b strings.Builder
	for _, r := range filepath.Base(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	name = strings.TrimSuffix(name, filepath.Ext(name))
	if len(name) > 80 {
		name = name[:80]
	}
	if name == "" {
		name = "xaso"
	}
	return name + ext
}

func printError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// desktopRoutes serves InfoPath and OpenPath; everything else goes to next.
func desktopRoutes(p *printer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case InfoPath:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"desktop":true,"print":true}`)
		case OpenPath, PrintPath:
			p.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
