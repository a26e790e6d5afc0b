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

// Printing from the window. In a browser the UI prints a form by opening
// the PDF in the browser's own viewer. The WebView inside the window has no
// viewer window to open, so there the UI posts the PDF to InfoPath's
// sibling PrintPath, served only by the window (never by `xaso serve`): the
// window saves it in a folder of its own and opens it with the PC's PDF
// viewer (xdg-open on Linux, the shell's default on Windows), where the
// official prints it.

const (
	// InfoPath answers {"desktop":true} inside the window, so the UI knows.
	InfoPath = "/desktop/info"
	// PrintPath takes a PDF (POST, Content-Type application/pdf, the file
	// name in X-Filename) and opens it in the PC's viewer.
	PrintPath = "/desktop/open-pdf"

	maxPrintPDF = 20 << 20
	printKeep   = 24 * time.Hour // printed files older than this are removed
)

// printer serves PrintPath.
type printer struct {
	dir  string                  // where PDFs are saved for the viewer
	open func(path string) error // hands a file to the PC's viewer
	log  *slog.Logger
}

func (p *printer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		printError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Chỉ nhận tệp PDF gửi lên để in.")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/pdf") {
		printError(w, http.StatusBadRequest, "invalid", "Chỉ in được tệp PDF.")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxPrintPDF+1))
	switch {
	case err != nil:
		printError(w, http.StatusBadRequest, "invalid", "Không nhận được trọn tệp PDF, hãy thử lại.")
		return
	case len(data) > maxPrintPDF:
		printError(w, http.StatusRequestEntityTooLarge, "too_large", "Tệp PDF quá lớn để in.")
		return
	case !bytes.HasPrefix(data, []byte("%PDF-")):
		printError(w, http.StatusBadRequest, "invalid", "Tệp gửi lên không phải PDF.")
		return
	}
	path, err := p.save(safeName(r.Header.Get("X-Filename")), data)
	if err != nil {
		p.log.Error("save PDF to print", "err", err)
		printError(w, http.StatusInternalServerError, "print_failed", "Không lưu được tệp để in (ổ đĩa đầy hoặc không ghi được).")
		return
	}
	if err := p.open(path); err != nil {
		p.log.Error("open PDF viewer", "path", path, "err", err)
		printError(w, http.StatusInternalServerError, "print_failed",
			"Không mở được trình xem PDF của máy để in; tệp đã lưu tại "+path+".")
		return
	}
	p.log.Info("PDF opened for printing", "path", path)
	w.WriteHeader(http.StatusNoContent)
}

// save writes data to a new file in p.dir named after name, and removes
// the files printed more than printKeep ago.
func (p *printer) save(name string, data []byte) (string, error) {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return "", err
	}
	p.sweep()
	stem := strings.TrimSuffix(name, ".pdf")
	f, err := os.CreateTemp(p.dir, stem+"-*.pdf")
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
// name, so that a name never leaves the print folder.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range filepath.Base(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if len(name) > 80 {
		name = name[:80]
	}
	if name == "" || name == ".pdf" {
		name = "xaso.pdf"
	}
	return name
}

func printError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// desktopRoutes serves InfoPath and PrintPath; everything else goes to next.
func desktopRoutes(p *printer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case InfoPath:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"desktop":true}`)
		case PrintPath:
			p.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
