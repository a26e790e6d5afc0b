// Package node is the composition root of a commune's node, for `xaso serve`
// and the desktop window: it opens the store, builds the domain service, the
// JSON API and UI and, on a LAN, discovery and the cluster, and runs them as
// named services under a supervisor (supervisor.go) that starts a failed one
// again and reports their states in /health. main.go only parses flags and
// calls Run; the parts never import each other.
package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/app/argon2id"
	"xaso/app/desktop"
	"xaso/frontend"
	"xaso/store"
	"xaso/sync/update"
	"xaso/sync/uplink"
)

// Config is everything a node needs; main.go fills it from flags and the
// environment.
type Config struct {
	Dir           string
	Listen        string // HTTP HOST:PORT of the web UI and API (Run)
	Window        bool   // Run shows the desktop window in front; closing it stops the node
	Commune       string // used only on a new data folder
	Agency        string // used only on a new data folder
	AdminPassword string // used only on a new data folder
	// Founding (--founding) sets this PC up as the office's founding PC
	// although it was given the join code (a code prepared in advance).
	// A new PC without a join code founds the office anyway. New folder only.
	Founding    bool
	Version     string
	Now         func() time.Time
	Logger      *slog.Logger
	Hasher      app.PasswordHasher // nil: argon2id defaults
	MemoryLimit int64              // soft limit of the Go runtime's memory; 0: 40 MiB, -1: none
	LAN         LAN                // the commune's cluster (app/node/cluster.go); zero: alone
	Hub         Hub                // the provincial hub (app/node/uplink.go); zero: none
	Update      Update             // updates from the province (app/node/update.go), on with a hub and a root
	// The HTTP edge: host names the UI answers to besides IP
	// addresses, localhost and the --listen host (--allow-host); the cap of
	// open connections per client address (0: 64); each response write's
	// deadline (0: 30 s).
	AllowHosts      []string
	MaxConnsPerAddr int
	WriteTimeout    time.Duration
}

// ErrNoWindow is returned by Run with Window set in a binary built without
// the window.
var ErrNoWindow = desktop.ErrNoWindow

// Node is an opened node: run its services with Serve, close it.
type Node struct {
	cfg     Config
	Store   *store.Store
	Blobs   *store.Blobs // attachment files by SHA-256; peers copy missing ones (Store.AttachmentHashes)
	Service *app.Service
	Handler http.Handler
	clock   *app.Clock
	lan     *lan            // nil: the PC works alone
	up      *uplink.Uplink  // nil: no hub
	upd     *update.Service // nil: no updates (no hub, or no root of trust)
	sup     *supervisor
	listen  string // the HTTP address served (Run)
}

// Run opens the node of cfg.Dir, serves it on cfg.Listen (and in the window
// with cfg.Window) until ctx is cancelled or the window closes, and closes it.
func Run(ctx context.Context, cfg Config) error {
	// A start in an update's trial checks itself; a second start of the
	// same trial rolls back at once (sync/update, app/node/update.go).
	if cfg.Hub.URL != "" {
		trial, err := update.Boot(UpdateDir(cfg.Dir), update.DefaultSwapper(), os.Environ())
		if errors.Is(err, update.ErrRelaunched) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		cfg.Update.trial = trial
	}
	ctx, restart := context.WithCancel(ctx)
	defer restart()
	cfg.Update.restart = restart
	n, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		n.Close()
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	n.listen = l.Addr().String()
	n.cfg.Logger.Info("serving", "addr", l.Addr().String(), "data", cfg.Dir, "node", n.Store.NodeID(), "version", cfg.Version)
	if cfg.Window {
		err = n.withWindow(ctx, l)
	} else {
		err = n.Serve(ctx, l)
	}
	n.cfg.Logger.Info("stopped", "err", err)
	if cerr := n.Close(); err == nil {
		err = cerr
	}
	if n.upd != nil && err == nil {
		// Asked by the update service: start the new program (or the
		// previous one again) now that the store is closed.
		if rerr := n.upd.AfterStop(os.Environ()); !errors.Is(rerr, update.ErrRelaunched) {
			err = rerr
		}
	}
	return err
}

// withWindow serves in the background and the window in front; closing the
// window stops the node.
func (n *Node) withWindow(ctx context.Context, l net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- n.Serve(ctx, l) }()
	assets, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return err
	}
	werr := desktop.Run(ctx, desktop.Config{Handler: n.Handler, Title: "Xã Số", Assets: assets, Logger: n.cfg.Logger})
	cancel()
	return errors.Join(werr, <-served)
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
	st, err := store.Open(store.Config{Dir: cfg.Dir, Logger: cfg.Logger, Now: cfg.Now})
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

// build makes the parts in the order they need each other: the service's
// settings, the commune (set up on a new folder), the LAN parts, the
// service that logs and leases through them, the API.
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
	// The catalogs and calendar in force: the built-in ones, calendar.json,
	// and what the province published, followed as it is applied.
	pub, err := app.NewPublished(st, []app.Catalog{cat}, cal, cfg.Now, cfg.Logger)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, Store: st, Blobs: blobs, clock: app.NewClock(cfg.Now, floor)}
	sc := app.Config{Node: st.NodeID(), Log: st, Reader: st, Sessions: st, Hasher: cfg.Hasher,
		Published: pub, Clock: n.clock, Now: cfg.Now, Logger: cfg.Logger, Blobs: blobs}
	if !rebuilding(cfg, st) { // a PC that rebuilds an office from the hub takes even its commune from there
		if err := setUp(ctx, cfg, sc); err != nil {
			return nil, err
		}
	}
	if n.lan, err = n.openLAN(); err != nil {
		return nil, err
	}
	if n.lan != nil {
		sc.Log, sc.Leaser = notifyLog{st, n.lan.cl}, n.lan.cl
	}
	if n.upd, err = n.openUpdate(sc.Log); err != nil {
		return nil, err
	}
	upLog := sc.Log
	if n.upd != nil {
		upLog = signedOnly{sc.Log, n} // catalog and calendar come signed, not from the hub's word
	}
	if n.up, err = n.openUplink(upLog); err != nil {
		return nil, err
	}
	if n.up != nil {
		sc.Log = kickLog{sc.Log, n.up}
	}
	gate := &slotGate{st: st, hub: cfg.Hub.URL != "", inner: sc.Leaser, log: sc.Log, clock: n.clock}
	sc.Leaser = gate
	if n.Service, err = app.NewService(sc); err != nil {
		return nil, err
	}
	gate.local = n.Service.LeaseLocal
	assets, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("frontend assets: %w", err)
	}
	h := api.New(api.Config{Service: n.Service, Health: n.Health, Assets: assets, Logger: cfg.Logger,
		WriteTimeout: cfg.WriteTimeout})
	h.MountCluster(clusterAdmin{n})
	if n.upd != nil {
		h.MountUpdate(updateAdmin{n})
	}
	n.Handler = h
	backoff := 30 * time.Second
	if cfg.LAN.Fast {
		backoff = time.Second
	}
	n.sup = newSupervisor(cfg.Logger, min(time.Second, backoff), backoff)
	return n, nil
}

// setUp sets up the commune and the admin account on a new data folder,
// with a service of its own: the LAN parts need the commune first.
func setUp(ctx context.Context, cfg Config, sc app.Config) error {
	if _, ok, err := sc.Reader.Commune(); err != nil {
		return fmt.Errorf("read commune: %w", err)
	} else if ok {
		svc, err := app.NewService(sc)
		if err != nil {
			return err
		}
		return svc.KeepFounding(ctx) // a folder set up before founders were recorded
	}
	if cfg.Commune == "" {
		return app.Errorf(app.EInvalid, "commune",
			"Thư mục dữ liệu mới: cần chọn xã (--commune MÃ_5_SỐ) và đặt mật khẩu quản trị (XASO_ADMIN_PASSWORD).",
			"new data folder: give --commune CODE and set XASO_ADMIN_PASSWORD")
	}
	svc, err := app.NewService(sc)
	if err != nil {
		return err
	}
	// The founding PC is the one set up without a join code (it makes the
	// office's), or told it founds the office (--founding): a PC set up
	// with one is to join an office, and issues provisional codes until it
	// meets it (app/founding.go).
	setup, founding := svc.Bootstrap, cfg.LAN.Secret == "" || cfg.Founding
	if !founding {
		setup = svc.BootstrapJoining
	}
	if err := setup(ctx, cfg.Commune, cfg.Agency, cfg.AdminPassword); err != nil {
		return err
	}
	cfg.Logger.Info("new data folder set up", "dir", cfg.Dir, "commune", cfg.Commune, "node", sc.Node, "founding", founding)
	return nil
}

// Health reports the node's state for GET /health.
func (n *Node) Health() api.Health {
	h := api.Health{Status: "ok", NodeID: n.Store.NodeID(), Version: n.cfg.Version,
		Cluster: clusterHealth(n), Time: n.cfg.Now().In(app.VN()), Clock: clockHealth(n), Services: n.sup.states()}
	if c, ok, err := n.Store.Commune(); err == nil && ok {
		h.Commune, h.Agency = c.Commune, c.AgencyCode()
	}
	if h.Cluster.Problem == ProblemApplyStopped {
		h.Status = "degraded"
	}
	if u, err := n.Store.Unreplicated(""); err == nil {
		h.Unreplicated = u
	} else {
		h.Status = "degraded"
	}
	h.Uplink = n.uplinkHealth()
	h.Codes = api.CodesState{Mode: "final"}
	if reason, err := provisionalReason(n.Store, n.cfg.Hub.URL != ""); err != nil {
		h.Status = "degraded"
	} else if reason != "" {
		h.Codes = api.CodesState{Mode: "provisional", Reason: reason}
	}
	h.Update = n.updateHealth()
	h.Clock = withHubClock(h.Clock, h.Uplink)
	if h.Store = n.Store.Problem(); h.Store != "ok" {
		h.Status = "degraded" // damaged: reads only; disk_full: no writes until space is freed
	}
	return h
}

// Serve runs the node's services until ctx is cancelled: HTTP on l and, on
// a LAN, discovery and the cluster. Requests in flight may finish (up to
// 10 s) and the cluster hands its leadership over before it returns.
func (n *Node) Serve(ctx context.Context, l net.Listener) error {
	n.sup.run(ctx, n.services(l)...)
	return nil
}

// services lists the node's services.
func (n *Node) services(l net.Listener) []service {
	out := []service{{"http", n.httpService(l)}}
	if n.lan != nil {
		out = append(out, service{"discover", n.lan.disc.Run}, service{"cluster", n.lan.run})
	}
	if n.up != nil {
		out = append(out, service{"uplink", n.up.Run})
	}
	if n.upd != nil {
		out = append(out, service{"update", n.upd.Run})
	}
	return out
}

// httpService answers HTTP on l; started again after a failure, it listens
// anew on the same address.
func (n *Node) httpService(l net.Listener) func(context.Context) error {
	addr := l.Addr().String()
	names := append([]string{addr}, n.cfg.AllowHosts...)
	maxConns := n.cfg.MaxConnsPerAddr
	if maxConns == 0 {
		maxConns = 64
	}
	return func(ctx context.Context) error {
		ln := l
		l = nil // a restart listens anew
		if ln == nil {
			var err error
			if ln, err = net.Listen("tcp", addr); err != nil {
				return fmt.Errorf("listen %s: %w", addr, err)
			}
		}
		srv := &http.Server{Handler: api.HostGuard(names, n.Handler), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
			IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(n.cfg.Logger.Handler(), slog.LevelWarn)}
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(api.LimitConns(ln, maxConns)) }()
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
}

// Close releases the node's resources, in reverse order of opening.
func (n *Node) Close() error {
	return n.Store.Close()
}
