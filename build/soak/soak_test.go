package soak

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"xaso/build/testkit"
	"xaso/store/powercut"
	"xaso/sync/netns/netnstest"
)

// settings of a run, from the environment (doc.go).
type settings struct {
	minutes  float64
	seed     uint64
	communes int
	rate     float64
	gap      time.Duration // mean time between two faults
}

func readSettings(t *testing.T) settings {
	s := settings{minutes: 2, seed: uint64(time.Now().UnixNano() % 1e9), communes: 3, rate: 2}
	num := func(name string, f func(string) error) {
		if v := os.Getenv(name); v != "" {
			if err := f(v); err != nil {
				t.Fatalf("%s=%q: %v", name, v, err)
			}
		}
	}
	num("SOAK_MINUTES", func(v string) (err error) { s.minutes, err = strconv.ParseFloat(v, 64); return })
	num("SOAK_SEED", func(v string) (err error) { s.seed, err = strconv.ParseUint(v, 10, 64); return })
	num("SOAK_COMMUNES", func(v string) (err error) { s.communes, err = strconv.Atoi(v); return })
	num("SOAK_RATE", func(v string) (err error) { s.rate, err = strconv.ParseFloat(v, 64); return })
	s.gap = 8 * time.Second
	num("SOAK_FAULT_GAP", func(v string) (err error) { s.gap, err = time.ParseDuration(v); return })
	if s.minutes < 1 || s.communes < 1 || s.rate <= 0 {
		t.Fatalf("SOAK_MINUTES ≥ 1, SOAK_COMMUNES ≥ 1 and SOAK_RATE > 0, not %v %d %v", s.minutes, s.communes, s.rate)
	}
	return s
}

// TestSoak is `make soak` (SOAK_MINUTES=60) and, at two minutes, part of
// `make test`: a province's year under faults, then every invariant.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak runs a province of real processes")
	}
	netnstest.Require(t)
	if err := powercut.Available(); err != nil {
		if os.Getenv(netnstest.RequiredEnv) == "1" {
			t.Fatal("the power cuts need a FUSE mount: ", err)
		}
		t.Skip("the power cuts need a FUSE mount: ", err)
	}
	s := readSettings(t)
	fmt.Printf("soak: seed %d (SOAK_SEED=%d replays its workload and fault schedule), %v minutes, %d communes\n", s.seed, s.seed, s.minutes, s.communes)
	procs, src, err := procedures()
	if err != nil {
		t.Fatal(err)
	}
	bin := testkit.Binary(t, "")

	total := time.Duration(s.minutes * float64(time.Minute))
	span := total - min(total/3, 70*time.Second) // the rest: start, heal, quiet, checks
	sizes := make([]int, s.communes)
	nodes := 1
	for i := range sizes {
		sizes[i] = []int{1, 3, 2}[i%3]
		nodes += sizes[i]
	}
	lab := netnstest.New(t, "soak", nodes)
	root := t.TempDir()
	var y *year
	logPath := os.Getenv("SOAK_LOG")
	if logPath == "" {
		logPath = filepath.Join(os.TempDir(), fmt.Sprintf("xaso-soak-%d.log", s.seed))
	}
	ev, err := openEvents(logPath, time.Now(), func(t time.Time) time.Time {
		if y == nil {
			return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return y.at(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.close()
	fmt.Printf("soak: event log %s\n", logPath)
	ev.add("driver", "seed %d, %v minutes, communes of %v PCs, procedures from %s", s.seed, s.minutes, sizes, src)

	p, err := openProvince(root, lab, bin, ev, sizes, []string{diskPowercut, diskTmpfs, diskPlain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	setup := time.Now()
	if err := p.startAll(); err != nil {
		ev.flush()
		t.Fatalf("starting the province: %v (event log %s)", err, logPath)
	}
	ev.add("driver", "province up in %v", time.Since(setup).Round(time.Millisecond))
	span -= time.Since(setup)
	span = max(span, 30*time.Second)

	loadStart := time.Now()
	y = newYear(loadStart, span)
	plan := planFaults(s.seed, span, s.gap, len(y.days))
	for _, k := range faultKinds {
		if k.missing != "" {
			ev.add("driver", "fault %s not available: %s", k.name, k.missing)
		}
	}
	for _, f := range plan {
		ev.add("driver", "planned: +%v %s for %v", f.at.Round(100*time.Millisecond), f.kind.name, f.last.Round(100*time.Millisecond))
	}
	w := &workload{p: p, y: y, procs: procs, rate: s.rate, lat: &latencies{}, avail: newAvailability()}
	fl := newFaults(p, plan, span, len(y.days))
	ctx, cancel := context.WithTimeout(context.Background(), span)
	defer cancel()
	done := make(chan struct{})
	go func() { // owned by this test: ends with ctx
		defer close(done)
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				p.rss.sampleAll()
				ev.flush()
			}
		}
	}()
	faultsDone := make(chan struct{})
	go func() { defer close(faultsDone); fl.run(ctx, loadStart) }()
	w.run(ctx, s.seed)
	loadEnd := time.Now()
	<-faultsDone
	<-done
	w.avail.close(loadEnd)
	ev.add("driver", "load over after %v: healing every fault", loadEnd.Sub(loadStart).Round(time.Millisecond))
	fl.healAll()
	if err := p.ensureUp(); err != nil {
		fl.fail(err)
	}
	quiet := max(60*time.Second, total/10)
	quietFor, qerr := p.waitQuiet(quiet)
	if qerr != nil {
		ev.add("driver", "NOT QUIET after %v: %v", quiet, qerr)
	} else {
		ev.add("driver", "quiet after %v", quietFor.Round(time.Millisecond))
	}
	p.rss.sampleAll()

	r := &report{p: p, w: w, f: fl, loadStart: loadStart, loadEnd: loadEnd, quietErr: qerr, quietFor: quietFor}
	r.check()
	for _, line := range r.lines {
		fmt.Println(line)
		ev.add("driver", "%s", line)
	}
	ev.flush()
	if r.failed {
		t.Errorf("soak failed (seed %d): event log %s", s.seed, logPath)
	}
}
