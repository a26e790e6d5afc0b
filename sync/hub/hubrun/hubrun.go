// Package hubrun wires `xaso hub` (main.go only parses its flags): the
// embedded bbolt storage, provincial IT's first account, the HTTP server
// with TLS or plain (behind a reverse proxy), and `xaso hub enrol`.
package hubrun

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/frontend"
	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/hub/pgstore"
	"xaso/sync/hub/portal"
)

// Config is what the command line gives.
type Config struct {
	Dir           string
	DB            string // postgres://…: the hub's data in PostgreSQL; empty: bbolt in Dir
	DBRead        string // postgres://… of a read replica for the dashboard's lists and counts
	Portal        string // the national portal connector's settings file (sync/hub/portal); "": none
	Listen        string
	TLSCert       string
	TLSKey        string
	AdminPassword string // XASO_HUB_ADMIN_PASSWORD: sets user admin on a new data folder
	Version       string
	Dashboard     fs.FS
	Logger        *slog.Logger
	Hasher        app.PasswordHasher // nil: argon2id
	Now           func() time.Time
	// TrustedProxies (--trusted-proxy): reverse proxies whose
	// X-Forwarded-For the per-address limits believe.
	TrustedProxies []netip.Prefix
}

// pendingDir is where `xaso hub enrol` leaves tokens for the hub.
func pendingDir(dir string) string { return filepath.Join(dir, "enrolments") }

// Run serves the hub until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Hasher == nil {
		cfg.Hasher = argon2id.Default()
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return app.Errorf(app.EInvalid, "tls", "Cần cả --tls-cert và --tls-key.", "give both --tls-cert and --tls-key")
	}
	st, err := openStorage(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	created, err := hub.EnsureAdmin(st, cfg.Hasher, cfg.AdminPassword)
	if err != nil {
		return err
	}
	if created {
		cfg.Logger.Info("hub set up: user admin created", "dir", cfg.Dir)
	}
	if cfg.Dashboard == nil {
		cfg.Dashboard = builtDashboard()
	}
	hc := hub.Config{Storage: st, PendingDir: pendingDir(cfg.Dir), Hasher: cfg.Hasher, Dashboard: cfg.Dashboard,
		Version: cfg.Version, Logger: cfg.Logger, Now: cfg.Now, TUFDir: filepath.Join(cfg.Dir, "tuf"),
		TrustedProxies: cfg.TrustedProxies}
	var conn *portal.Connector
	if cfg.Portal != "" {
		c, stop, err := startPortal(ctx, cfg, st)
		if err != nil {
			return err
		}
		defer stop()
		conn = c
		hc.PortalReport = func() (any, error) { return c.Report() }
	}
	h, err := hub.New(hc)
	if err != nil {
		return err
	}
	if conn != nil {
		h.Handle("POST "+portal.PathInbound, conn.Inbound(h))
	}
	h.ImportPending()
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	cfg.Logger.Info("hub serving", "addr", l.Addr().String(), "data", cfg.Dir, "postgres", cfg.DB != "", "read_replica", cfg.DBRead != "", "tls", cfg.TLSCert != "", "version", cfg.Version)
	return h.Serve(ctx, l, cfg.TLSCert, cfg.TLSKey)
}

// openStorage opens PostgreSQL when --db is given (migrating its schema),
// else the embedded bbolt storage in the data folder.
func openStorage(ctx context.Context, cfg Config) (hub.Storage, error) {
	if cfg.DB == "" {
		if cfg.DBRead != "" {
			return nil, app.Errorf(app.EInvalid, "db-read", "--db-read chỉ dùng cùng --db (PostgreSQL).", "--db-read needs --db (PostgreSQL)")
		}
		return boltstore.Open(cfg.Dir, cfg.Logger)
	}
	if err := os.MkdirAll(pendingDir(cfg.Dir), 0o700); err != nil { // the data folder keeps the enrolment drop box only
		return nil, fmt.Errorf("hub data folder %s: %w", cfg.Dir, err)
	}
	open, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return pgstore.Open(open, pgstore.Config{URL: cfg.DB, ReadURL: cfg.DBRead, Logger: cfg.Logger})
}

// startPortal runs the national portal connector beside the hub, its
// outbox in the data folder; stop waits for it.
func startPortal(ctx context.Context, cfg Config, st hub.Storage) (*portal.Connector, func(), error) {
	pc, every, err := portal.LoadFile(cfg.Portal)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, nil, err
	}
	box, err := portal.OpenOutbox(filepath.Join(cfg.Dir, "portal.db"))
	if err != nil {
		return nil, nil, err
	}
	var src portal.Source = portal.ScanSource{Storage: st}
	if feed, ok := st.(portal.Source); ok { // PostgreSQL keeps a change feed
		src = feed
	}
	pc.Logger, pc.Now = cfg.Logger.With("service", "portal"), cfg.Now
	conn := portal.New(pc, src, box)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = conn.Run(ctx, every)
	}()
	cfg.Logger.Info("national portal connector started", "every", every)
	return conn, func() {
		cancel()
		<-done
		box.Close()
	}, nil
}

// Enrol prints a new single-use enrolment token for commune, the token
// last. It works whether or not the hub is running: the token waits in
// the data folder until the hub takes it in.
func Enrol(out io.Writer, dir, commune, replaces string, now time.Time) error {
	token, err := hub.WritePending(pendingDir(dir), commune, replaces, now, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Mã đăng ký cho xã %s (dùng một lần, hạn 30 ngày; đặt XASO_ENROL_TOKEN trên máy của xã): %s\n", commune, token)
	return nil
}

// builtDashboard is the dashboard page embedded in the binary (frontend,
// hub.html), or nil when the frontend was not built.
func builtDashboard() fs.FS {
	dist, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(dist, "hub.html"); err != nil {
		return nil
	}
	return dist
}
