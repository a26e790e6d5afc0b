package store

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"xaso/app"
	"xaso/store/storetest"
)

// load applies n generated dossiers to a fresh store in large batches.
func load(b *testing.B, n int) (*Store, string) {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(Config{Dir: dir, MaxBatch: 20000})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	cmds := storetest.Dossiers(n, 1, time.Date(2026, 11, 27, 16, 0, 0, 0, app.VN()))
	start := time.Now()
	for i := 0; i < len(cmds); i += 20000 {
		if err := s.Apply(context.Background(), cmds[i:min(i+20000, len(cmds))]...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d dossiers (%d commands) in %s", n, len(cmds), time.Since(start).Round(time.Millisecond))
	return s, dir
}

func benchSearch(b *testing.B, n int) {
	s, dir := load(b, n)
	fi, _ := os.Stat(filepath.Join(dir, "xaso.db"))
	queries := []string{"nguyen van an", "thao", "tran thi", "duong xuan quynh", "Lê Đức", "ho minh", "037123", "vu"}
	r := rand.New(rand.NewPCG(7, 7))
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		q := queries[r.IntN(len(queries))]
		t := time.Now()
		items, _, err := s.Dossiers(app.ListQuery{Q: app.TextKey(q), Limit: 50})
		lat = append(lat, time.Since(t))
		if err != nil || (len(items) == 0 && q != "037123") {
			b.Fatalf("search %q: %d items, %v", q, len(items), err)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(fi.Size())/float64(n), "disk-B/dossier")
	// A status list and an overdue queue at the same size.
	t := time.Now()
	if _, _, err := s.Dossiers(app.ListQuery{Status: app.StatusReturned, Limit: 50}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(t).Microseconds())/1000, "list-ms")
}

func BenchmarkSearch100k(b *testing.B) { benchSearch(b, 100_000) }
func BenchmarkSearch1M(b *testing.B) {
	if os.Getenv("XASO_BENCH_1M") == "" && testing.Short() {
		b.Skip("1M dossiers: set XASO_BENCH_1M")
	}
	benchSearch(b, 1_000_000)
}

// BenchmarkAppendOne is one desk: each command its own commit and fsync.
func BenchmarkAppendOne(b *testing.B) {
	s, err := Open(Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cmds := storetest.Dossiers(b.N+1, 2, time.Date(2026, 11, 27, 16, 0, 0, 0, app.VN()))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if err := s.Append(context.Background(), cmds[i%len(cmds)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

var _ = fmt.Sprint

// BenchmarkCatchUp100k compares the two ways a PC that missed 100,000
// dossiers (about 250,000 commands) catches up: folding every command again (what a command stream
// snapshot or Raft's log costs) and installing a state snapshot.
func BenchmarkCatchUp100k(b *testing.B) {
	src, _ := load(b, 100_000)
	var cmds []app.Command
	if err := src.EachCommand(func(c app.Command) error { cmds = append(cmds, c); return nil }); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		dst, err := Open(Config{Dir: b.TempDir(), MaxBatch: 20000})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < len(cmds); i += 1024 { // the fsm's restore batch
			if err := dst.Apply(context.Background(), cmds[i:min(i+1024, len(cmds))]...); err != nil {
				b.Fatal(err)
			}
		}
		fold := time.Since(start)
		want := hash(b, dst)
		dst.Close()

		dst, err = Open(Config{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		r, w := io.Pipe()
		go func() { w.CloseWithError(src.WriteState(w)) }()
		head := make([]byte, len(StateMagic))
		if _, err := io.ReadFull(r, head); err != nil {
			b.Fatal(err)
		}
		if err := dst.InstallState(r); err != nil {
			b.Fatal(err)
		}
		install := time.Since(start)
		if hash(b, dst) != want {
			b.Fatal("the installed state differs from the folded one")
		}
		dst.Close()
		b.ReportMetric(fold.Seconds(), "fold-s")
		b.ReportMetric(install.Seconds(), "install-s")
		fmt.Printf("figure: catch-up of %d commands in the store: folding each %.1f s, installing a state snapshot %.1f s\n",
			len(cmds), fold.Seconds(), install.Seconds())
	}
}
