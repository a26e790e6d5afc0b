package discover

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv, when set, turns the test binary into a discovery node (the
// integration test re-executes itself inside each network namespace). Its
// value is a JSON helperConfig.
const helperEnv = "XASO_DISCOVER_TEST_HELPER"

type helperConfig struct {
	Commune     string        `json:"commune"`
	NodeID      string        `json:"node"`
	Port        int           `json:"port"`
	Network     string        `json:"network"`
	Interval    time.Duration `json:"interval"`
	Stale       time.Duration `json:"stale"`
	ClusterFile string        `json:"cluster_file"` // re-read on every ClusterID call
}

// helperLine is one line of the helper's standard output.
type helperLine struct {
	MS    int64  `json:"ms"` // since the helper started
	Peers []Peer `json:"peers"`
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		os.Exit(runHelper(cfg))
	}
	os.Exit(m.Run())
}

// runHelper runs a Discoverer until SIGTERM, printing the peers it sees as a
// JSON line at start and after every update; SIGHUP calls Reannounce. It
// exits 0 after a clean stop.
func runHelper(raw string) int {
	var hc helperConfig
	if err := json.Unmarshal([]byte(raw), &hc); err != nil {
		fmt.Fprintln(os.Stderr, "helper config:", err)
		return 2
	}
	start := time.Now()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(Config{
		Commune: hc.Commune,
		NodeID:  hc.NodeID,
		Version: "test",
		ClusterID: func() string {
			b, _ := os.ReadFile(hc.ClusterFile)
			return strings.TrimSpace(string(b))
		},
		Port:     hc.Port,
		Network:  hc.Network,
		Interval: hc.Interval,
		Stale:    hc.Stale,
		Logger:   log,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	enc := json.NewEncoder(os.Stdout)
	emit := func() {
		_ = enc.Encode(helperLine{MS: time.Since(start).Milliseconds(), Peers: d.Peers()})
	}
	emit()
	for {
		select {
		case <-d.Updates():
			emit()
		case <-hup:
			d.Reannounce()
		case err := <-done:
			if err != nil {
				fmt.Fprintln(os.Stderr, "helper: Run:", err)
				return 1
			}
			log.Info("helper: stopped cleanly")
			return 0
		}
	}
}
