// Package node assembles one xaso node from its parts — store, domain
// service, JSON API and UI — for `xaso serve` and the desktop window. It is
// the composition root that main.go calls; the parts never import each other.
package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/app/argon2id"
	"xaso/frontend"
	"xaso/store"
)

// Config is everything a node needs; main.go fills it from flags and the
// environment.
type Config struct {
	Dir           string
	Commune       string // used only on a new data folder
	Agency        string // used only on a new data folder
	AdminPassword string // used only on a new data folder
	Version       string
	Now           func() time.Time
	Logger        *slog.Logger
	Hasher        app.PasswordHasher // nil: argon2id defaults
	MemoryLimit   int64              // soft limit of the Go runtime's memory; 0: 40 MiB, -1: none
	LAN           LAN                // the commune's cluster (app/node/cluster.go); zero: alone
	// The HTTP edge (issue 13): host names the UI answers to besides IP
	// addresses, localhost and the --listen host (--allow-host); the cap of
	// open connections per client address (0: 64); each response write's
	// deadline (0: 30 s).
	AllowHosts      []string
	MaxConnsPerAddr int
	WriteTimeout    time.Duration
}

// Node is a running node: open it, serve it, close it.
type Node struct {
	cfg     Config
	Store   *store.Store
	Blobs   *store.Blobs // attachment files by SHA-256; peers copy missing ones (Store.AttachmentHashes)
	Service *app.Service
	Handler http.Handler
	clock   *app.Clock
	log     *notifyLog
	leaser  *lazyLeaser
	lan     *lan
}

// Open opens the data folder and builds the node. On a new folder it sets up
// the commune and the admin account.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Hasher == nil {
		cfg.Hasher = argon2id.Default()
	}
	if cfg.MemoryLimit == 0 {
		cfg.MemoryLimit = 40 << 20
	}
	if cfg.MemoryLimit > 0 {
		// Old PCs have 2–4 GB shared with a browser: collect sooner and give
		// freed memory back (a burst's garbage, a catch-up's batches) instead
		// of letting the heap double. A soft limit: never an out-of-memory.
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	st, err := store.Open(store.Config{Dir: cfg.Dir, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	n, err := build(ctx, cfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return n, nil
}

func build(ctx context.Context, cfg Config, st *store.Store) (*Node, error) {
	floor, err := st.MaxHLC()
	if err != nil {
		return nil, fmt.Errorf("read clock floor: %w", err)
	}
	cat, err := app.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	cal, err := loadCalendar(cfg.Dir)
	if err != nil {
		return nil, err
	}
	blobs, err := store.OpenBlobs(filepath.Join(cfg.Dir, "blobs")) // scanned attachments (store/blobs.go)
	if err != nil {
		return nil, err
	}
	clock := app.NewClock(cfg.Now, floor)
	log, leaser := &notifyLog{st: st}, &lazyLeaser{}
	svc, err := app.NewService(app.Config{
		Node: st.NodeID(), Log: log, Reader: st, Sessions: st, Hasher: cfg.Hasher, Leaser: leaser,
		Calendar: cal, Catalogs: app.NewCatalogs(cat), Clock: clock, Now: cfg.Now, Logger: cfg.Logger, Blobs: blobs,
	})
	if err != nil {
		return nil, err
	}
	leaser.sv = svc
	if _, ok, err := st.Commune(); err != nil {
		return nil, fmt.Errorf("read commune: %w", err)
	} else if !ok {
		if cfg.Commune == "" {
			return nil, app.Errorf(app.EInvalid, "commune",
				"Thư mục dữ liệu mới: cần chọn xã (--commune MÃ_5_SỐ) và đặt mật khẩu quản trị (XASO_ADMIN_PASSWORD).",
				"new data folder: give --commune CODE and set XASO_ADMIN_PASSWORD")
		}
		if err := svc.Bootstrap(ctx, cfg.Commune, cfg.Agency, cfg.AdminPassword); err != nil {
			return nil, err
		}
		cfg.Logger.Info("new data folder set up", "dir", cfg.Dir, "commune", cfg.Commune, "node", st.NodeID())
	}
	n := &Node{cfg: cfg, Store: st, Service: svc, clock: clock, log: log, leaser: leaser, Blobs: blobs}
	if err := n.openLAN(); err != nil {
		return nil, err
	}
	assets, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("frontend assets: %w", err)
	}
	h := api.New(api.Config{Service: svc, Health: n.Health, Assets: assets, Logger: cfg.Logger, WriteTimeout: cfg.WriteTimeout})
	h.MountCluster(clusterAdmin{n})
	n.Handler = h
	return n, nil
}

// Health reports the node's state for GET /health.
func (n *Node) Health() api.Health {
	h := api.Health{Status: "ok", NodeID: n.Store.NodeID(), Version: n.cfg.Version,
		Cluster: clusterHealth(n), Time: n.cfg.Now().In(app.VN()), Clock: clockHealth(n)}
	if c, ok, err := n.Store.Commune(); err == nil && ok {
		h.Commune, h.Agency = c.Commune, c.AgencyCode()
	}
	if u, err := n.Store.Unreplicated(""); err == nil {
		h.Unreplicated = u
	} else {
		h.Status = "degraded"
	}
	return h
}

// Serve answers HTTP on l and runs the LAN cluster until ctx is cancelled,
// then lets requests in flight finish (up to 10 s) and stops the cluster.
func (n *Node) Serve(ctx context.Context, l net.Listener) error {
	lanCtx, stopLAN := context.WithCancel(context.Background())
	lanDone := make(chan error, 1)
	go func() { lanDone <- n.RunLAN(lanCtx) }()
	defer func() {
		stopLAN()
		if err := <-lanDone; err != nil {
			n.cfg.Logger.Error("cluster stopped", "err", err)
		}
	}()
	names := append([]string{l.Addr().String()}, n.cfg.AllowHosts...)
	if n.cfg.MaxConnsPerAddr == 0 {
		n.cfg.MaxConnsPerAddr = 64
	}
	l = api.LimitConns(l, n.cfg.MaxConnsPerAddr)
	srv := &http.Server{Handler: api.HostGuard(names, n.Handler), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(n.cfg.Logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http serve: %w", err)
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

// Close releases the node's resources, in reverse order of opening.
func (n *Node) Close() error {
	return n.Store.Close()
}
