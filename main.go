// Command xaso is Xã Số, the digital office of a commune People's Committee.
//
//	xaso [flags]         the desktop app (a window), with the flags of serve
//	xaso serve [flags]   the same node without a window: web UI at /, JSON API at /api/v1
//	xaso release …       provincial IT signs and publishes updates (TUF)
//	xaso doctor          check a stopped node's data file, rebuild it from its command log
//	xaso version         print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"xaso/app"
	"xaso/app/node"
	"xaso/store/doctor"
	"xaso/sync/hub/hubrun"
	"xaso/sync/update"
	"xaso/sync/update/release"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("XASO_CPUPROFILE"); path != "" {
		// For provincial IT looking at a slow PC: a CPU profile until exit.
		if f, err := os.Create(path); err == nil {
			defer f.Close() // runs after StopCPUProfile has written the profile
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch {
	case cmd == "" || strings.HasPrefix(cmd, "-") && cmd != "-h" && cmd != "-v" && cmd != "--help" && cmd != "--version":
		if cmd != "" {
			args = append([]string{cmd}, args...)
		}
		err = runNode(ctx, "xaso", args, logger, true)
		if errors.Is(err, node.ErrNoWindow) {
			fmt.Fprintln(stderr, "xaso: bản này không có cửa sổ ứng dụng; dùng `xaso serve` và trình duyệt.")
		}
	case cmd == "serve":
		err = runNode(ctx, "serve", args, logger, false)
	case cmd == "hub": // the provincial hub (sync/hub)
		err = runHub(ctx, args, stdout, logger)
	case cmd == "release": // provincial IT signs and publishes updates (sync/update/release)
		err = release.Main(ctx, args, stdout, time.Now)
	case cmd == "update-watch": // started by the node beside an update's trial (sync/update), not by hand
		err = updateWatch(args)
	case cmd == "doctor": // check and repair a stopped node's data file (store/doctor)
		err = doctor.Run(args, stdout, defaultDataDir(), time.Now)
	case cmd == "version" || cmd == "--version" || cmd == "-v":
		fmt.Fprintln(stdout, "xaso", version)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "xaso: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) {
			fmt.Fprintf(stderr, "xaso: %s\n(%s)\n", e.Message, e.Error())
		} else {
			fmt.Fprintf(stderr, "xaso: %v\n", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	return 0
}

const usage = `Xã Số — văn phòng số của UBND xã

  xaso                  mở ứng dụng (cửa sổ)
  xaso serve [flags]    chạy không cửa sổ: giao diện web tại /, API JSON tại /api/v1
  xaso hub [--data DIR] [--listen HOST:PORT] [--db postgres://… [--db-read postgres://…]]
           [--tls-cert F --tls-key F] [--trusted-proxy ADDR]... [--portal FILE]
                        máy chủ của tỉnh (XASO_HUB_ADMIN_PASSWORD đặt mật khẩu admin khi tạo mới)
  xaso hub enrol --data DIR --commune CODE [--replaces INSTALLATION]
                        in mã đăng ký (dùng một lần) cho một xã
  xaso release keygen|init|add|sign|publish|verify|rotate
                        tỉnh ký và phát hành bản cập nhật (xaso release --help)
  xaso doctor --data DIR [--rebuild]
                        kiểm tra tệp dữ liệu (khi Xã Số đã tắt), dựng lại từ nhật ký lệnh
  xaso version          in phiên bản
`

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "xaso")
	}
	return "xaso-data"
}

// runNode parses the flags of `xaso serve` (HTTP only) and `xaso` (the
// desktop window with HTTP beside it for the office's browsers) and runs
// the node.
func runNode(ctx context.Context, name string, args []string, logger *slog.Logger, window bool) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dir := fs.String("data", defaultDataDir(), "data folder")
	listen := fs.String("listen", "127.0.0.1:8420", "HTTP address of the web UI and API")
	commune := fs.String("commune", "", "commune administrative-unit code, 5 digits (new data folder only)")
	founding := fs.Bool("founding", false, "this PC founds the office (new data folder only): it issues final dossier codes even though XASO_JOIN_SECRET is set; a new PC without XASO_JOIN_SECRET founds it anyway")
	agency := fs.String("agency", "", "agency electronic ID code for dossier codes, e.g. 000.00.31.H42 (new data folder only)")
	peerDefault := ""
	if window {
		peerDefault = "0.0.0.0:8421"
	}
	peerListen := fs.String("peer-listen", peerDefault, "HOST:PORT for Raft and peer traffic (LAN cluster; off when empty; a new PC joins with XASO_JOIN_SECRET, the office join code)")
	var peers peerList
	fs.Var(&peers, "peer", "static peer HOST:PORT for LANs that block multicast (repeatable)")
	var allowHosts hostList
	fs.Var(&allowHosts, "allow-host", "a host name the web UI answers to, besides IP addresses and localhost (repeatable)")
	noMDNS := fs.Bool("no-mdns", false, "do not use mDNS to find peers (only --peer)")
	raftFast := fs.Bool("raft-fast", false, "short Raft timeouts and discovery intervals (tests and benchmarks)")
	clockOffset := fs.Duration("clock-offset", 0, "run as if this PC's clock were off by this much, e.g. -7m (tests and drills of wrong clocks)")
	hubURL := fs.String("hub", "", "URL of the provincial hub, e.g. https://hub.ninhbinh.gov.vn (XASO_ENROL_TOKEN enrols the office on first contact)")
	hubCA := fs.String("hub-ca", "", "PEM file of the CA (or the hub's own certificate) to trust for an https --hub, instead of the system's roots")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	now := time.Now
	if off := *clockOffset; off != 0 {
		now = func() time.Time { return time.Now().Add(off) }
	}
	return node.Run(ctx, node.Config{Dir: *dir, Listen: *listen, Window: window, Commune: *commune, Agency: *agency,
		Founding: *founding, Now: now, AdminPassword: os.Getenv("XASO_ADMIN_PASSWORD"), Version: version, Logger: logger, AllowHosts: allowHosts,
		LAN: node.LAN{PeerListen: *peerListen, Peers: peers, NoMDNS: *noMDNS, Secret: os.Getenv("XASO_JOIN_SECRET"),
			Fast: *raftFast}, Hub: node.Hub{URL: *hubURL, CAFile: *hubCA, Token: os.Getenv("XASO_ENROL_TOKEN")}})
}

// prefixList collects repeated --trusted-proxy flags: addresses or CIDRs.
type prefixList []netip.Prefix

func (p *prefixList) String() string {
	var out []string
	for _, x := range *p {
		out = append(out, x.String())
	}
	return strings.Join(out, ",")
}

func (p *prefixList) Set(v string) error {
	if a, err := netip.ParseAddr(v); err == nil {
		*p = append(*p, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		return nil
	}
	x, err := netip.ParsePrefix(v)
	if err != nil {
		return fmt.Errorf("--trusted-proxy %q: want an address or a CIDR: %w", v, err)
	}
	*p = append(*p, x.Masked())
	return nil
}

// peerList collects repeated --peer flags.
type peerList []string

func (p *peerList) String() string { return strings.Join(*p, ",") }

func (p *peerList) Set(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("--peer %q: want HOST:PORT: %w", v, err)
	}
	*p = append(*p, v)
	return nil
}

// hostList collects repeated --allow-host flags.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }

func (h *hostList) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, "/ ") {
		return fmt.Errorf("--allow-host %q: want a host name", v)
	}
	*h = append(*h, v)
	return nil
}

// runHub parses the flags of `xaso hub` and `xaso hub enrol`.
func runHub(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) > 0 && args[0] == "enrol" {
		fs := flag.NewFlagSet("hub enrol", flag.ContinueOnError)
		dir := fs.String("data", "xaso-hub", "the hub's data folder")
		commune := fs.String("commune", "", "commune administrative-unit code, 5 digits")
		replaces := fs.String("replaces", "", "an installation this token rebuilds (a replacement PC for a lost office)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return hubrun.Enrol(stdout, *dir, *commune, *replaces, time.Now())
	}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	dir := fs.String("data", "xaso-hub", "the hub's data folder")
	listen := fs.String("listen", "127.0.0.1:8430", "HTTP(S) address of the hub")
	cert := fs.String("tls-cert", "", "TLS certificate file (PEM); without it the hub speaks plain HTTP, for a reverse proxy")
	key := fs.String("tls-key", "", "TLS key file (PEM)")
	db := fs.String("db", "", "postgres://… to keep the hub in PostgreSQL (docs/hub-postgres.md); without it the hub keeps bbolt in --data")
	dbRead := fs.String("db-read", "", "postgres://… of a read replica for the dashboard's lists and counts (with --db)")
	var proxies prefixList
	fs.Var(&proxies, "trusted-proxy", "address or CIDR of a reverse proxy in front of the hub whose X-Forwarded-For the per-address limits believe (repeatable)")
	portalFile := fs.String("portal", "", "settings file (JSON) of the national public-service portal connector (docs/hub-postgres.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("hub: unexpected argument %q", fs.Arg(0))
	}
	return hubrun.Run(ctx, hubrun.Config{Dir: *dir, DB: *db, DBRead: *dbRead, Portal: *portalFile, Listen: *listen, TLSCert: *cert, TLSKey: *key,
		AdminPassword: os.Getenv("XASO_HUB_ADMIN_PASSWORD"), Version: version, Logger: logger, TrustedProxies: proxies})
}

// updateWatch is `xaso update-watch --dir DIR --pid PID`: the previous
// program watching a new one's first start (sync/update.Watch).
func updateWatch(args []string) error {
	fs := flag.NewFlagSet("update-watch", flag.ContinueOnError)
	dir := fs.String("dir", "", "the data folder's update folder")
	pid := fs.Int("pid", 0, "the process in trial")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *pid <= 0 {
		return errors.New("update-watch: --dir and --pid are required")
	}
	return update.Watch(*dir, *pid, os.Environ(), time.Now)
}
