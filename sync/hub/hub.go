// Package hub is `xaso hub`, the provincial server (DESIGN §5, §8.1,
// docs/province.md): provincial IT signs in, enrols communes and sees every
// commune; each commune's office pushes its commands up and pulls the
// hub's down (sync/uplink is the other end). Storage is behind Storage
// (storage.go); sync/hub/boltstore is the embedded one and sync/hub/hubrun
// wires them for the command line.
package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"xaso/app"
)

// Config builds a hub.
type Config struct {
	Storage Storage
	// PendingDir holds the tokens `xaso hub enrol` wrote (WritePending).
	PendingDir string
	Hasher     app.PasswordHasher
	Dashboard  fs.FS // the built dashboard page; nil: a plain "dashboard not built" page
	Version    string
	Now        func() time.Time
	Logger     *slog.Logger
	TokenTTL   time.Duration // how long an enrolment token may wait for its first use; 0: 30 days
	// SessionTTL is how long an IT sign-in lasts; 0: 12 hours.
	SessionTTL time.Duration
	// ReadTimeout bounds reading a whole request (a stalled client is cut off); 0: 60 s.
	ReadTimeout time.Duration
	// TUFDir holds the update repository the hub serves (tuf.go); empty: none.
	TUFDir string
	// TrustedProxies (--trusted-proxy): addresses of reverse proxies in front
	// of the hub. A request from one of them is counted, for the per-address
	// limits, against the last address of X-Forwarded-For that is not a
	// trusted proxy; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	// PortalReport is the national portal connector's report (sync/hub/portal),
	// GET /api/v1/portal; nil: no connector configured.
	PortalReport func() (any, error)
}

// Hub serves the hub's HTTP API and dashboard.
type Hub struct {
	cfg   Config
	st    Storage
	log   *slog.Logger
	mux   *http.ServeMux
	clock *app.Clock

	locks sync.Map // commune code → *sync.Mutex: one batch of a commune at a time
	cache sync.Map // commune code → cachedCounts (api.go)
	enrMu sync.Mutex

	failures window    // sign-in failures by user name and client address (auth.go)
	limits   *limits   // per client address (limits.go)
	nonces   *nonces   // single-use nonces of signed requests (nonce.go)
	open     openCache // the open data's months (opendata.go)

	importMu   sync.Mutex // ImportPending when a token is unknown: rate-limited (enrol.go)
	importAt   time.Time
	importMod  time.Time
	importRuns atomic.Int64

	tufMu  sync.Mutex   // one upload written at a time (tuf.go)
	served atomic.Int64 // bytes of update targets served
}

// New builds the hub's handler.
func New(cfg Config) (*Hub, error) {
	if cfg.Storage == nil || cfg.Hasher == nil {
		return nil, errors.New("hub: storage and hasher are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 30 * 24 * time.Hour
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 60 * time.Second
	}
	h := &Hub{cfg: cfg, st: cfg.Storage, log: cfg.Logger, mux: http.NewServeMux(), clock: app.NewClock(cfg.Now, 0),
		failures: newFailures(), limits: newLimits(), nonces: newNonces()}
	h.routes()
	return h, nil
}

func (h *Hub) routes() {
	m := h.mux
	m.HandleFunc("GET /api/v1/health", h.health)
	m.HandleFunc("POST /api/v1/sessions", h.login)
	m.HandleFunc("DELETE /api/v1/sessions/current", h.session(h.logout))
	m.HandleFunc("GET /api/v1/communes", h.auth(h.communes))
	m.HandleFunc("GET /api/v1/communes/{code}", h.auth(h.commune))
	m.HandleFunc("POST /api/v1/communes/{code}/enrolments", h.admin(h.enrolment))
	m.HandleFunc("POST /api/v1/communes/{code}/enrolments/revoke", h.admin(h.revoke))
	m.HandleFunc("POST /api/v1/communes/{code}/installations/{id}/revoke", h.admin(h.revokeInstallation))
	m.HandleFunc("GET /api/v1/communes/{code}/dossiers", h.auth(h.listDossiers))
	m.HandleFunc("POST /api/v1/communes/{code}/dossiers", h.admin(h.submitDossier))
	m.HandleFunc("GET /api/v1/communes/{code}/dossiers/{id}", h.auth(h.getDossier))
	m.HandleFunc("POST /api/v1/publish", h.admin(h.publish))
	m.HandleFunc("GET /api/v1/portal", h.auth(h.portal))
	m.HandleFunc("GET /open-data/{format}", func(w http.ResponseWriter, r *http.Request) {
		if f := r.PathValue("format"); f != "monthly.json" && f != "monthly.csv" {
			h.fail(w, r, app.Errorf(app.ENotFound, "", "Không có tệp dữ liệu mở này (monthly.json, monthly.csv).", "no such open-data file (monthly.json, monthly.csv)"))
			return
		}
		h.openData(w, r)
	})
	h.uplinkRoutes() // uplink.go
	h.tufRoutes()    // tuf.go
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, app.Errorf(app.ENotFound, "", "Không có địa chỉ API này.", "no such API endpoint"))
	})
	m.Handle("/", h.dashboard())
}

// Handle adds a route (before Serve): the national portal's inbound
// dossiers (sync/hub/portal) are served beside the hub's API.
func (h *Hub) Handle(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

// ServeHTTP implements http.Handler.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
	}
	h.mux.ServeHTTP(w, r)
}

// Serve answers on l until ctx ends (TLS when cert and key are given).
// Stalled clients are cut off: headers within 10 s, a whole request within
// ReadTimeout.
func (h *Hub) Serve(ctx context.Context, l net.Listener, certFile, keyFile string) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: min(10*time.Second, h.cfg.ReadTimeout), ReadTimeout: h.cfg.ReadTimeout,
		WriteTimeout: 2 * h.cfg.ReadTimeout, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(h.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(l, certFile, keyFile)
		} else {
			errc <- srv.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("hub serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shut)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// portal is GET /api/v1/portal: what waits for the national portal and
// what it refused.
func (h *Hub) portal(w http.ResponseWriter, r *http.Request, _ User) {
	if h.cfg.PortalReport == nil {
		h.fail(w, r, app.Errorf(app.ENotFound, "", "Máy chủ tỉnh chưa được cấu hình kết nối cổng dịch vụ công quốc gia (--portal).",
			"no national portal connector is configured (--portal)"))
		return
	}
	rep, err := h.cfg.PortalReport()
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (h *Hub) communeLock(code string) func() {
	v, _ := h.locks.LoadOrStore(code, &sync.Mutex{})
	m := v.(*sync.Mutex)
	m.Lock()
	return m.Unlock
}

func (h *Hub) dashboard() http.Handler {
	if h.cfg.Dashboard == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html lang="vi"><meta charset="utf-8"><title>Xã Số — máy chủ tỉnh</title>`+
				`<p>Trang tổng hợp của tỉnh chưa được dựng trong bản này (dashboard not built). API: /api/v1/communes</p></html>`)
		})
	}
	// The dashboard's page is hub.html (built beside the desk's index.html
	// into the same folder); "/" and the page's own routes answer with it.
	page := "index.html"
	if _, err := fs.Stat(h.cfg.Dashboard, "hub.html"); err == nil {
		page = "hub.html"
	}
	files := http.FileServerFS(h.cfg.Dashboard)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p == "" || p == "index.html" {
			http.ServeFileFS(w, r, h.cfg.Dashboard, page)
			return
		}
		if _, err := fs.Stat(h.cfg.Dashboard, p); err != nil {
			http.ServeFileFS(w, r, h.cfg.Dashboard, page)
			return
		}
		if strings.HasPrefix(p, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}

// randomToken is 20 random bytes in base32 (no padding), grouped by 4.
func randomToken() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:min(i+4, len(s))])
	}
	return strings.Join(parts, "-")
}

func hashText(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
