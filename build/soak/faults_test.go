package soak

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"sync"
	"syscall"
	"time"
)

// The fault schedule. Each kind of fault is one row of faultKinds: how it
// picks its target, how it strikes and how it heals. A kind that this build
// cannot inject yet carries `missing` (why, and which issue brings it): the
// run lists it as not run, never as passed. To add one (PostgreSQL
// restarted under the hub, an update published mid-day, an update that
// fails its health check): write its strike, clear `missing`.

type faultKind struct {
	name    string
	missing string // non-empty: not available in this build
	weight  int
	// days is how long the fault lasts in simulated working days
	// (min, max), at least minReal of real time.
	days    [2]float64
	minReal time.Duration
	// targets lists what the fault may hit now (PC names, commune codes,
	// "hub"); strike hits one and returns its heal.
	targets func(f *faults) []string
	strike  func(f *faults, target string, s *scheduled) (heal func() error, err error)
	// down: the target cannot serve while the fault lasts (its outages
	// are excused); partitions excuse only what needs the others.
	down bool
}

// scheduled is one fault of the schedule, drawn from the seed before the
// run starts.
type scheduled struct {
	at     time.Duration // after the start of the load
	kind   *faultKind
	pick   uint64 // which of the eligible targets
	last   time.Duration
	offset time.Duration // clock_off: how far off the clock is
}

var faultKinds = []*faultKind{
	{name: "kill_pc", weight: 4, days: [2]float64{0, 0.3}, minReal: time.Second, down: true,
		targets: (*faults).runningPCs, strike: strikeKill},
	{name: "power_cut", weight: 3, days: [2]float64{0, 0.5}, minReal: time.Second, down: true,
		targets: func(f *faults) []string { return f.runningPCsOn(diskPowercut) }, strike: strikePowerCut},
	{name: "partition_lan", weight: 3, days: [2]float64{0.5, 3}, minReal: 5 * time.Second,
		targets: (*faults).pcsWithPeers, strike: strikePartitionLAN},
	{name: "partition_hub", weight: 3, days: [2]float64{0.5, 5}, minReal: 5 * time.Second,
		targets: (*faults).communeCodes, strike: strikePartitionHub},
	{name: "pc_off_days", weight: 1, days: [2]float64{8, 20}, minReal: 15 * time.Second, down: true,
		targets: (*faults).runningPCs, strike: strikeOff},
	{name: "clock_off", weight: 2, days: [2]float64{1, 4}, minReal: 8 * time.Second, down: true,
		targets: (*faults).runningPCs, strike: strikeClock},
	{name: "disk_full", weight: 2, days: [2]float64{0.3, 1}, minReal: 4 * time.Second, down: true,
		targets: func(f *faults) []string { return f.runningPCsOn(diskTmpfs) }, strike: strikeDiskFull},
	{name: "hub_kill", weight: 1, days: [2]float64{0, 0.5}, minReal: time.Second, down: true,
		targets: (*faults).hubUp, strike: strikeHubKill},
	{name: "hub_restart", weight: 1, days: [2]float64{0, 0}, minReal: 0, down: true,
		targets: (*faults).hubUp, strike: strikeHubRestart},
	{name: "postgres_restart", missing: "the hub keeps bbolt in this build; PostgreSQL under the hub is issue 15"},
	{name: "update_midday", missing: "signed releases and the updater are issue 11"},
	{name: "update_failing_health", missing: "signed releases and the updater are issue 11"},
}

// faults runs the schedule and remembers every window during which a
// target was hit.
type faults struct {
	p    *province
	ev   *events
	span time.Duration
	day  time.Duration // one simulated working day of real time
	plan []scheduled

	mu      sync.Mutex
	busy    map[string]bool // targets with a fault now
	counts  map[string]int
	skipped map[string]int
	windows map[string][]window // process ("pc 14701/2", "hub") → when it was hit
	routes  map[[2]int]int      // blackhole routes (node, to node) → how many faults need it
	heals   sync.WaitGroup
	healNow chan struct{}
	errs    []error
}

type window struct {
	kind     string
	from, to time.Time
	down     bool
}

// planFaults draws the schedule from the seed: a fault every gap on
// average over span.
func planFaults(seed uint64, span, gap time.Duration, days int) []scheduled {
	rng := rand.New(rand.NewPCG(seed, 7))
	var kinds []*faultKind
	total := 0
	for _, k := range faultKinds {
		if k.missing == "" {
			kinds = append(kinds, k)
			total += k.weight
		}
	}
	day := span / time.Duration(days)
	var plan []scheduled
	for at := time.Duration(rng.ExpFloat64() * float64(gap)); at < span-10*time.Second; at += time.Duration(rng.ExpFloat64() * float64(gap)) {
		w := rng.IntN(total)
		var k *faultKind
		for _, c := range kinds {
			if w < c.weight {
				k = c
				break
			}
			w -= c.weight
		}
		d := k.days[0] + rng.Float64()*(k.days[1]-k.days[0])
		last := max(time.Duration(d*float64(day)), k.minReal)
		last = min(last, span/4)
		off := time.Duration(1+rng.IntN(5)) * time.Hour
		if rng.IntN(2) == 0 {
			off = -off
		}
		plan = append(plan, scheduled{at: at, kind: k, pick: rng.Uint64(), last: last, offset: off})
	}
	return plan
}

func newFaults(p *province, plan []scheduled, span time.Duration, days int) *faults {
	return &faults{p: p, ev: p.ev, span: span, day: span / time.Duration(days), plan: plan, busy: map[string]bool{},
		counts: map[string]int{}, skipped: map[string]int{}, windows: map[string][]window{}, routes: map[[2]int]int{},
		healNow: make(chan struct{})}
}

// run strikes each fault of the plan at its time, until ctx ends.
func (f *faults) run(ctx context.Context, start time.Time) {
	for i := range f.plan {
		s := &f.plan[i]
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(s.at))):
		}
		f.strike(s)
	}
	<-ctx.Done()
}

func (f *faults) strike(s *scheduled) {
	cands := s.kind.targets(f)
	f.mu.Lock()
	var free []string
	for _, c := range cands {
		if !f.busy[c] && !f.busyCommune(c) {
			free = append(free, c)
		}
	}
	if len(free) == 0 {
		f.skipped[s.kind.name]++
		f.mu.Unlock()
		f.ev.add("driver", "fault %s skipped: no target free", s.kind.name)
		return
	}
	sort.Strings(free)
	target := free[s.pick%uint64(len(free))]
	f.busy[target] = true
	f.counts[s.kind.name]++
	f.mu.Unlock()

	from := time.Now()
	f.ev.add(who(target), "FAULT %s for %v", s.kind.name, s.last.Round(100*time.Millisecond))
	heal, err := s.kind.strike(f, target, s)
	if err != nil {
		f.fail(fmt.Errorf("fault %s on %s: %w", s.kind.name, target, err))
	}
	f.heals.Add(1)
	go func() { // owned by f: ends at its heal, at the latest when healNow closes
		defer f.heals.Done()
		select {
		case <-time.After(s.last):
		case <-f.healNow:
		}
		if heal != nil {
			if err := heal(); err != nil {
				f.fail(fmt.Errorf("healing %s on %s: %w", s.kind.name, target, err))
			}
		}
		f.ev.add(who(target), "healed %s (after %v)", s.kind.name, time.Since(from).Round(100*time.Millisecond))
		f.mu.Lock()
		delete(f.busy, target)
		f.windows[who(target)] = append(f.windows[who(target)], window{kind: s.kind.name, from: from, to: time.Now(), down: s.kind.down})
		if c := f.communeOf(target); c != nil && target == c.code {
			for _, x := range c.pcs { // a commune's partition hit each of its PCs
				f.windows["pc "+x.name] = append(f.windows["pc "+x.name], window{kind: s.kind.name, from: from, to: time.Now()})
			}
		}
		f.mu.Unlock()
	}()
}

// healAll ends every fault now and waits until all are healed.
func (f *faults) healAll() {
	close(f.healNow)
	f.heals.Wait()
}

func (f *faults) fail(err error) {
	f.ev.add("driver", "ERROR %v", err)
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
}

// busyCommune: a commune-wide fault and a fault on one of its PCs do not
// overlap (f.mu held).
func (f *faults) busyCommune(target string) bool {
	for _, c := range f.p.communes {
		if target == c.code {
			for _, x := range c.pcs {
				if f.busy[x.name] {
					return true
				}
			}
		}
		for _, x := range c.pcs {
			if target == x.name && f.busy[c.code] {
				return true
			}
		}
	}
	return false
}

func (f *faults) communeOf(target string) *commune {
	for _, c := range f.p.communes {
		if c.code == target {
			return c
		}
	}
	return nil
}

func (f *faults) pc(name string) *pc {
	for _, x := range f.p.pcs() {
		if x.name == name {
			return x
		}
	}
	return nil
}

func who(target string) string {
	if target == "hub" || len(target) == 5 {
		if target != "hub" {
			return "commune " + target
		}
		return "hub"
	}
	return "pc " + target
}

func (f *faults) runningPCs() []string { return f.runningPCsOn("") }

func (f *faults) runningPCsOn(kind string) []string {
	var out []string
	for _, x := range f.p.pcs() {
		if x.running() && (kind == "" || x.disk.kind == kind) {
			out = append(out, x.name)
		}
	}
	return out
}

func (f *faults) pcsWithPeers() []string {
	var out []string
	for _, c := range f.p.communes {
		if len(c.pcs) > 1 {
			for _, x := range c.pcs {
				out = append(out, x.name)
			}
		}
	}
	return out
}

func (f *faults) communeCodes() []string {
	var out []string
	for _, c := range f.p.communes {
		out = append(out, c.code)
	}
	return out
}

func (f *faults) hubUp() []string {
	if p := f.p.hub.process(); p != nil && !p.Exited() {
		return []string{"hub"}
	}
	return nil
}

// restart starts the PC again (the end of a fault that stopped it).
func restart(x *pc) func() error {
	return func() error { return x.start(120 * time.Second) }
}

func strikeKill(f *faults, target string, _ *scheduled) (func() error, error) {
	x := f.pc(target)
	x.kill()
	return restart(x), nil
}

// strikePowerCut drops what the PC's disk holds unsynced, kills the PC and
// mounts the disk again on what survived.
func strikePowerCut(f *faults, target string, _ *scheduled) (func() error, error) {
	x := f.pc(target)
	f.p.rss.sample("pc "+x.name, x.process())
	x.disk.cut.PowerOff()
	x.kill()
	if err := x.disk.detach(); err != nil {
		return restart(x), err
	}
	if err := x.disk.mount(); err != nil {
		return nil, fmt.Errorf("mount again: %w", err)
	}
	return restart(x), nil
}

// strikeOff shuts the PC down properly and leaves it off for days.
func strikeOff(f *faults, target string, _ *scheduled) (func() error, error) {
	x := f.pc(target)
	f.p.rss.sample("pc "+x.name, x.process())
	if err := x.process().Stop(15 * time.Second); err != nil {
		f.ev.add("pc "+x.name, "shut down: %v", err)
	}
	return restart(x), nil
}

// strikeClock restarts the PC with its clock off by hours, and at the heal
// with the right time again.
func strikeClock(f *faults, target string, s *scheduled) (func() error, error) {
	x := f.pc(target)
	f.p.rss.sample("pc "+x.name, x.process())
	x.process().Stop(15 * time.Second)
	x.mu.Lock()
	x.offset = s.offset
	x.mu.Unlock()
	err := x.start(120 * time.Second)
	return func() error {
		f.p.rss.sample("pc "+x.name, x.process())
		x.process().Stop(15 * time.Second)
		x.mu.Lock()
		x.offset = 0
		x.mu.Unlock()
		return x.start(120 * time.Second)
	}, err
}

// strikeDiskFull fills the PC's disk; the heal frees the space.
func strikeDiskFull(f *faults, target string, _ *scheduled) (func() error, error) {
	x := f.pc(target)
	path := x.disk.filler()
	heal := func() error { return os.Remove(path) }
	file, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := file.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return heal, nil
			}
			return heal, err
		}
	}
}

func strikeHubKill(f *faults, _ string, _ *scheduled) (func() error, error) {
	h := f.p.hub
	f.p.rss.sample("hub", h.process())
	h.process().Kill()
	return h.start, nil
}

func strikeHubRestart(f *faults, _ string, _ *scheduled) (func() error, error) {
	h := f.p.hub
	f.p.rss.sample("hub", h.process())
	if err := h.process().Stop(15 * time.Second); err != nil {
		f.ev.add("hub", "stopped: %v", err)
	}
	return nil, h.start()
}

// strikePartitionLAN cuts one PC off from the other PCs of its office
// (it still reaches the hub).
func strikePartitionLAN(f *faults, target string, _ *scheduled) (func() error, error) {
	x := f.pc(target)
	var pairs [][2]int
	for _, o := range x.c.pcs {
		if o != x {
			pairs = append(pairs, [2]int{x.node, o.node})
		}
	}
	return f.cut(pairs)
}

// strikePartitionHub cuts a whole office off from the hub (its PCs still
// reach each other).
func strikePartitionHub(f *faults, target string, _ *scheduled) (func() error, error) {
	c := f.communeOf(target)
	var pairs [][2]int
	for _, x := range c.pcs {
		pairs = append(pairs, [2]int{x.node, 1})
	}
	return f.cut(pairs)
}

// cut blocks traffic both ways between each pair of lab nodes with
// blackhole routes in both namespaces; the heal removes them (a route that
// another fault still needs stays).
func (f *faults) cut(pairs [][2]int) (func() error, error) {
	var routes [][2]int
	for _, pr := range pairs {
		routes = append(routes, pr, [2]int{pr[1], pr[0]})
	}
	var errs []error
	f.mu.Lock()
	for _, r := range routes {
		if f.routes[r]++; f.routes[r] == 1 {
			errs = append(errs, f.route("add", r))
		}
	}
	f.mu.Unlock()
	return func() error {
		var errs []error
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, r := range routes {
			if f.routes[r]--; f.routes[r] == 0 {
				delete(f.routes, r)
				errs = append(errs, f.route("del", r))
			}
		}
		return errors.Join(errs...)
	}, errors.Join(errs...)
}

func (f *faults) route(op string, r [2]int) error {
	lab := f.p.lab
	out, err := exec.Command("ip", "-n", lab.NS(r[0]), "route", op, "blackhole", lab.Addr(r[1]).String()+"/32").CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip route %s blackhole on node %d to %d: %v %s", op, r[0], r[1], err, out)
	}
	return nil
}
