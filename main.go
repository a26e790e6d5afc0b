// Command xaso is Xã Số, the digital office of a commune People's Committee.
//
//	xaso                 the desktop app (a window)
//	xaso serve [flags]   the same node without a window: web UI at /, JSON API at /api/v1
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
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"xaso/app"
	"xaso/app/node"
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
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "":
		err = runDesktop(ctx, logger)
	case "serve":
		err = serve(ctx, args, logger)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "xaso", version)
	case "help", "-h", "--help":
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
  xaso version          in phiên bản
`

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "xaso")
	}
	return "xaso-data"
}

func serve(ctx context.Context, args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("data", defaultDataDir(), "data folder")
	listen := fs.String("listen", "127.0.0.1:8420", "HTTP address of the web UI and API")
	commune := fs.String("commune", "", "commune administrative-unit code, 5 digits (new data folder only)")
	agency := fs.String("agency", "", "agency electronic ID code for dossier codes, e.g. 000.00.31.H42 (new data folder only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	n, err := node.Open(ctx, node.Config{Dir: *dir, Commune: *commune, Agency: *agency,
		AdminPassword: os.Getenv("XASO_ADMIN_PASSWORD"), Version: version, Logger: logger})
	if err != nil {
		return err
	}
	defer n.Close()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	logger.Info("serving", "addr", l.Addr().String(), "data", *dir, "node", n.Store.NodeID(), "version", version)
	err = n.Serve(ctx, l)
	logger.Info("stopped", "err", err)
	return err
}

func runDesktop(ctx context.Context, logger *slog.Logger) error {
	return errors.New("the desktop window is not built into this binary yet; use `xaso serve`")
}
