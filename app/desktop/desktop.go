// Package desktop opens the Xã Số window: a Wails v2 WebView whose
// AssetServer serves the built frontend and hands every /api/ request to the
// same http.Handler that `xaso serve` uses, so the UI has a single fetch
// client for the window and for a browser.
//
// The window needs cgo, GTK 3 and WebKitGTK 4.1 on Linux (WebView2 on
// Windows); it is compiled in only with the build tags
// `desktop,production,webkit2_41` (see build/frontend.mk). Without them Run
// returns ErrNoWindow and every headless subcommand still works.
package desktop

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Config is what the window needs from main.
type Config struct {
	// Handler serves the JSON API (paths under /api/).
	Handler http.Handler
	// Title is the window title.
	Title string
	// Assets is the site root of the built frontend (index.html at its top).
	Assets fs.FS
	// Logger receives the WebView's and the glue's log lines; nil discards them.
	Logger *slog.Logger
	// PrintDir is where forms to print are saved for the PC's PDF viewer;
	// default xaso-print in the temporary folder.
	PrintDir string
	// OpenFile hands a saved form to the PC's PDF viewer; default xdg-open
	// (the Windows shell on Windows).
	OpenFile func(path string) error
	// PrintFile sends a saved PDF to the PC's default printer; default lp
	// (the shell's print verb on Windows).
	PrintFile func(path string) error
}

// ErrNoWindow is returned by Run in a binary built without the desktop tags.
var ErrNoWindow = errors.New("desktop: this xaso binary was built without the window (build with `make desktop`); use `xaso serve` and a browser")

// Window geometry: usable on 1024×768 and 1366×768 office screens.
const (
	width     = 1280
	height    = 760
	minWidth  = 1000
	minHeight = 700
)

func (c Config) validate() error {
	switch {
	case c.Handler == nil:
		return errors.New("desktop: config has no API handler")
	case c.Assets == nil:
		return errors.New("desktop: config has no frontend assets")
	}
	return nil
}

func (c Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c Config) title() string {
	if c.Title == "" {
		return "Xã Số"
	}
	return c.Title
}

func (c Config) printer() *printer {
	p := &printer{dir: c.PrintDir, open: c.OpenFile, print: c.PrintFile, log: c.logger()}
	if p.dir == "" {
		p.dir = filepath.Join(os.TempDir(), "xaso-print")
	}
	if p.open == nil {
		p.open = openFile
	}
	if p.print == nil {
		p.print = printFile
	}
	return p
}

// windowMiddleware is the AssetServer's middleware: the window's own
// routes (desktopRoutes), then the API, then the assets.
func windowMiddleware(c Config) func(next http.Handler) http.Handler {
	api := apiMiddleware(c.Handler)
	p := c.printer()
	return func(next http.Handler) http.Handler { return desktopRoutes(p, api(next)) }
}

// apiMiddleware sends /api/ requests to api and everything else to the asset
// server's own handler (next).
func apiMiddleware(api http.Handler) func(next http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
				api.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Run opens the window and blocks until the user closes it or ctx is
// cancelled (then the window is closed). It returns ErrNoWindow when this
// binary has no window support.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	return run(ctx, cfg)
}
