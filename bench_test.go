package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/node"
	"xaso/build/testkit"
	"xaso/store"
	"xaso/store/storetest"
)

// The process-level figures of `make bench`: receive latency and throughput
// through the real API with fsync, RSS, start-up time and disk per dossier.
// They print figures and assert nothing about speed (a noisy machine must
// not fail a build); run with XASO_BENCH=1.

func figure(t *testing.T, name string, v float64, unit string) {
	fmt.Printf("figure: %-40s %10.2f %s\n", name, v, unit)
}

func rssMB(pid int) float64 { return statusMB(pid, "VmRSS:") }

var statusMB = testkit.StatusMB

func pct(d []time.Duration, p int) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[min(len(d)-1, len(d)*p/100)].Microseconds()) / 1000
}

// receiveBurst sends n receipts from desks concurrent desks and returns the
// latency of each and the wall time.
func receiveBurst(t *testing.T, url, token string, desks, n int) ([]time.Duration, time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for d := range desks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n / desks {
				t0 := time.Now()
				st, out, err := call(url, token, "POST", "/api/v1/dossiers",
					map[string]any{"procedure_code": "1.001193", "applicant": applicant(d + i)})
				el := time.Since(t0)
				if err != nil || st != 201 {
					t.Errorf("receive: %d %v %v", st, out, err)
					return
				}
				mu.Lock()
				lat = append(lat, el)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start)
}

func TestBenchServe(t *testing.T) {
	if os.Getenv("XASO_BENCH") == "" {
		t.Skip("set XASO_BENCH=1 (make bench)")
	}
	bin := buildBinary(t)
	dir, addr := t.TempDir(), freeAddr(t)
	p := startServe(t, bin, dir, addr)
	time.Sleep(time.Second)
	figure(t, "rss idle (new data folder)", rssMB(p.cmd.Process.Pid), "MB")
	admin := login(t, p.url, "admin", "admin-password")
	token := official(t, p.url, "receiver")
	receiveBurst(t, p.url, token, 4, 100) // warm up
	lat, wall := receiveBurst(t, p.url, token, 1, 1000)
	figure(t, "receive 1 desk p50", pct(lat, 50), "ms")
	figure(t, "receive 1 desk p99", pct(lat, 99), "ms")
	figure(t, "receive 1 desk throughput", float64(len(lat))/wall.Seconds(), "receipts/s")
	lat, wall = receiveBurst(t, p.url, token, 16, 8000)
	figure(t, "receive 16 desks p50", pct(lat, 50), "ms")
	figure(t, "receive 16 desks p99", pct(lat, 99), "ms")
	figure(t, "receive 16 desks throughput", float64(len(lat))/wall.Seconds(), "receipts/s")
	figure(t, "rss after 9,100 receipts", rssMB(p.cmd.Process.Pid), "MB")
	p.cmd.Process.Signal(os.Interrupt)
	<-p.done

	// A commune's year and more: 100,000 dossiers, loaded straight into the store.
	big := t.TempDir()
	n, err := node.Open(context.Background(), node.Config{Dir: big, Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Version: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	st, err := store.Open(store.Config{Dir: big, MaxBatch: 20000})
	if err != nil {
		t.Fatal(err)
	}
	cmds := storetest.Dossiers(100_000, 3, time.Now().In(app.VN()).Add(-24*time.Hour))
	for i := 0; i < len(cmds); i += 20000 {
		if err := st.Apply(context.Background(), cmds[i:min(i+20000, len(cmds))]...); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	fi, _ := os.Stat(filepath.Join(big, "xaso.db"))
	figure(t, "disk per dossier (100k, 2.5 commands each)", float64(fi.Size())/100_000, "bytes")
	t0 := time.Now()
	p = startServe(t, bin, big, freeAddr(t))
	figure(t, "start-up to first answer at 100k", float64(time.Since(t0).Milliseconds()), "ms")
	admin = login(t, p.url, "admin", "admin-password")
	var slat []time.Duration
	for i, q := range []string{"nguyen van an", "thao", "tran thi", "duong xuan quynh", "le duc", "ho minh", "vu", "Nguyễn Thị Lan"} {
		for range 5 {
			t1 := time.Now()
			if st, _, err := call(p.url, admin, "GET", "/api/v1/dossiers?q="+strings.ReplaceAll(q, " ", "%20"), nil); err != nil || st != 200 {
				t.Fatalf("search %d: %d %v", i, st, err)
			}
			slat = append(slat, time.Since(t1))
		}
	}
	figure(t, "search over HTTP at 100k p50", pct(slat, 50), "ms")
	figure(t, "search over HTTP at 100k p99", pct(slat, 99), "ms")
	figure(t, "rss at 100k after searches", rssMB(p.cmd.Process.Pid), "MB")
	figure(t, "  of which heap and stacks (RssAnon)", statusMB(p.cmd.Process.Pid, "RssAnon:"), "MB")
	figure(t, "  of which mapped files (RssFile)", statusMB(p.cmd.Process.Pid, "RssFile:"), "MB")
}
