// Package api is the JSON API of §8 and the built web UI: one http.Handler
// that `xaso serve` listens with and the desktop window's AssetServer calls.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"xaso/app"
	"xaso/app/api/strictjson"
)

// Health is the node's state for GET /health; the wiring fills it.
type Health struct {
	Status       string       `json:"status"`
	NodeID       string       `json:"node_id"`
	Version      string       `json:"version,omitempty"` // signed-in callers only (health)
	Commune      string       `json:"commune"`
	Agency       string       `json:"agency,omitempty"` // signed-in callers only
	Cluster      ClusterState `json:"cluster"`
	Unreplicated int          `json:"unreplicated"`
	Uplink       UplinkState  `json:"uplink"`
	Time         time.Time    `json:"time"`
	Clock        *ClockState  `json:"clock,omitempty"` // nil until a peer's clock has been read
	Store        string       `json:"store"`           // "ok", or a coded problem: "disk_full", "damaged" (DESIGN §8.1)
	// Services is the state of each of the node's services (http, discover,
	// cluster, …): running, retrying or stopped.
	Services map[string]string `json:"services,omitempty"`
	// Update is the state of updates from the province (app/api/update.go);
	// nil where updates are not configured.
	Update *UpdateState `json:"update,omitempty"`
	// Codes says whether this PC issues final dossier codes or provisional
	// ones only, and why (app/founding.go).
	Codes CodesState `json:"codes"`
}

// CodesState is the dossier-codes part of Health: Mode "final" or
// "provisional"; Reason, when provisional, a stable code
// (app.ProvisionalOfficeNotMet, app.ProvisionalNotEnrolled).
type CodesState struct {
	Mode   string `json:"mode"`
	Reason string `json:"reason,omitempty"`
}

// ClockState compares this PC’s clock with its peers’ (DESIGN §7: warn when
// the skew is large).
type ClockState struct {
	OffsetMS int64 `json:"offset_ms"` // the peers' clocks minus this PC's: positive when this PC is behind
	Peers    int   `json:"peers"`     // how many peers were read (the provincial hub counts as one)
	// HubOffsetMS is the provincial hub's clock minus this PC's, when the
	// office has synced with a hub (it is in offset_ms and peers too).
	HubOffsetMS *int64 `json:"hub_offset_ms,omitempty"`
}

// ClusterState is the LAN cluster part of Health.
type ClusterState struct {
	State   string `json:"state"` // leader | follower | candidate | alone
	Members int    `json:"members"`
	Problem string `json:"problem,omitempty"` // why the LAN cluster is not running: peer_listen_failed, cluster_failed, apply_stopped
	Error   string `json:"error,omitempty"`   // the error behind apply_stopped, for the technician
	// Off: the office's PCs that did not answer this one lately, with the
	// names officials know them by ("Máy Tiếp nhận 2 đang tắt").
	Off []OffPC `json:"off,omitempty"`
}

// OffPC is a PC of the office that is off (or cut off) as this PC sees it.
type OffPC struct {
	NodeID string `json:"node_id"`
	Name   string `json:"name,omitempty"`
}

// UplinkState is the province part of Health.
type UplinkState struct {
	Online     bool       `json:"online"`
	Unsent     int        `json:"unsent"`
	LastSync   *time.Time `json:"last_sync"`  // the last complete exchange with the hub; null: never
	Configured bool       `json:"configured"` // a hub is set (serve --hub)
	// Problem is the code of the last failed exchange (hub_unreachable,
	// not_enrolled, enrolment_token_used, …), empty while online.
	Problem string `json:"problem,omitempty"`
	// HubOffsetMS is the hub's clock minus this PC's, at the last exchange.
	HubOffsetMS *int64 `json:"hub_offset_ms,omitempty"`
}

// Config builds the handler.
type Config struct {
	Service *app.Service
	Health  func() Health
	Assets  fs.FS // the built web UI; nil serves none
	Logger  *slog.Logger
	MaxBody int64 // request body limit; default 1 MiB
	// WriteTimeout bounds each write of a response (guard.go); default 30 s.
	WriteTimeout time.Duration
}

// Handler serves /api/v1 and the UI.
type Handler struct {
	cfg Config
	mux *http.ServeMux
}

// New builds the handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux()}
	h.routes()
	return h
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /api/v1/health", h.health)
	m.HandleFunc("POST /api/v1/sessions", h.login)
	m.HandleFunc("DELETE /api/v1/sessions/current", h.auth(h.logout))
	m.HandleFunc("GET /api/v1/me", h.auth(h.me))
	m.HandleFunc("GET /api/v1/users", h.auth(h.listUsers))
	m.HandleFunc("POST /api/v1/users", h.auth(h.createUser))
	m.HandleFunc("GET /api/v1/officials", h.auth(h.officials))
	m.HandleFunc("GET /api/v1/procedures", h.auth(h.procedures))
	m.HandleFunc("GET /api/v1/statuses", h.auth(h.statuses))
	m.HandleFunc("GET /api/v1/dossiers", h.auth(h.listDossiers))
	m.HandleFunc("POST /api/v1/dossiers", h.auth(h.receive))
	m.HandleFunc("GET /api/v1/dossiers/{code}", h.auth(h.getDossier))
	m.HandleFunc("POST /api/v1/dossiers/{code}/actions", h.auth(h.act))
	m.HandleFunc("GET /api/v1/stats", h.auth(h.stats))
	h.accountRoutes()  // users PATCH, passwords, audit log (accounts.go)
	h.documentRoutes() // forms, ID card scans, attachments, ratings, reports (documents.go)
	h.registerRoutes() // civil-status registers and extracts (registers.go)
	h.digitiseRoutes() // old books, search across registers, national export (digitise.go)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, app.Errorf(app.ENotFound, "", "Không có địa chỉ API này.", "no such API endpoint"))
	})
	m.Handle("/", h.ui())
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Frame-Options", "DENY")
	}
	h.mux.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), per: h.cfg.WriteTimeout}, r)
}

type principalKey struct{}

type authed func(w http.ResponseWriter, r *http.Request, p app.Principal)

// auth resolves the bearer token to the official making the request.
func (h *Handler) auth(next authed) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			token = ""
		}
		p, err := h.cfg.Service.Authenticate(strings.TrimSpace(token))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next(w, r, p)
	}
}

// statusOf maps error codes to HTTP statuses.
func statusOf(code string) int {
	switch code {
	case app.EInvalid, codeBadJSON, app.EWeakPassword:
		return http.StatusBadRequest
	case app.EBadCredentials, app.EUnauthorized:
		return http.StatusUnauthorized
	case app.EForbidden:
		return http.StatusForbidden
	case app.ENotFound:
		return http.StatusNotFound
	case app.ETransition, app.EConflict, app.EAlreadyApologize, app.EIdemReused:
		return http.StatusConflict
	case app.ETooMany:
		return http.StatusTooManyRequests
	case codeMedia:
		return http.StatusUnsupportedMediaType
	case app.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case app.EUnavailable, app.EDataDirLocked, app.EStoreDamaged:
		return http.StatusServiceUnavailable
	case app.EDiskFull:
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

const codeBadJSON = strictjson.CodeBadJSON

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Fields are all invalid fields of the request, when it had several
	// (DESIGN §8.1); the first is the error itself.
	Fields []fieldError `json:"fields,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// say is e's message in the caller's language; English ones start with a
// capital, like a sentence.
func say(e *app.Error, en bool) string {
	if en && e.English != "" {
		return upperFirst(e.English)
	}
	return e.Message
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// fail writes err in the documented shape. Internal causes go to the log only.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := app.AsError(err)
	var inner *app.Error
	if e.Code == app.EInternal && errors.As(e.Err, &inner) && (inner.Code == app.EDiskFull || inner.Code == app.EStoreDamaged) {
		e = inner // a full disk or a damaged file met below an internal error is said as such
	}
	status := statusOf(e.Code)
	if status >= 500 {
		h.cfg.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
	}
	en := english(r)
	d := errorDetail{Code: e.Code, Message: say(e, en), Field: e.Field}
	for _, f := range e.Fields {
		d.Fields = append(d.Fields, fieldError{Field: f.Field, Code: f.Code, Message: say(f, en)})
	}
	writeJSON(w, status, errorBody{d})
}

func english(r *http.Request) bool {
	return strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "en")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads a JSON body strictly into v: one object, known fields only,
// within the size limit. Its errors name the field when they can.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := jsonBody(r); err != nil {
		return err
	}
	return strictjson.Decode(w, r, h.cfg.MaxBody, v)
}

// serveGzip serves the copy of asset p that the build compressed (p.gz,
// written by vite.config.ts), if there is one: a third of the bytes over
// a LAN of old PCs, and no CPU spent compressing per request.
func (h *Handler) serveGzip(w http.ResponseWriter, r *http.Request, p string) bool {
	f, err := h.cfg.Assets.Open(p + ".gz")
	if err != nil {
		return false
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	info, err := f.Stat()
	if !ok || err != nil {
		return false
	}
	ctype := mime.TypeByExtension(path.Ext(p))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Encoding", "gzip")
	http.ServeContent(w, r, p, info.ModTime(), rs)
	return true
}

// acceptsGzip tells whether the client takes a gzip body (and did not rule it out with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// ui serves the built frontend with a fallback to index.html for the
// single-page app's own routes.
func (h *Handler) ui() http.Handler {
	if h.cfg.Assets == nil {
		return http.NotFoundHandler()
	}
	files := http.FileServerFS(h.cfg.Assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uiHeaders(w.Header())
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p != "" {
			if _, err := fs.Stat(h.cfg.Assets, p); err != nil {
				r2 := r.Clone(r.Context())
				r2.URL.Path = "/"
				files.ServeHTTP(w, r2)
				return
			}
		}
		if strings.HasPrefix(p, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			w.Header().Add("Vary", "Accept-Encoding")
			if acceptsGzip(r) && h.serveGzip(w, r, p) {
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}
