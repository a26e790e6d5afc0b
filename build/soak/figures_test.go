package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// grace is how long a process may take, after the fault that hit it is
// healed (its process answers again), before its desk is served again: a
// sign-in and a first write.
const grace = 15 * time.Second

// slack is how much of a stretch without service may fall outside every
// fault: a request sent just before a fault struck fails with it.
const slack = 2 * time.Second

// checkServing: no process was unable to serve for longer than the fault
// that hit it (plus grace).
func (r *report) checkServing() {
	var probs []string
	worst, worstWho := time.Duration(0), ""
	total := 0
	for who, outs := range r.w.avail.outages {
		r.f.mu.Lock()
		wins := append([]window(nil), r.f.windows[who]...)
		r.f.mu.Unlock()
		for _, o := range outs {
			total++
			bare := uncovered(o, wins)
			if bare > worst {
				worst, worstWho = bare, who
			}
			if bare > slack {
				probs = append(probs, fmt.Sprintf("%s could not serve from +%v (event log time) for %v, %v of it under no fault: first failure %s",
					who, o.from.Sub(r.p.ev.start).Round(100*time.Millisecond), o.to.Sub(o.from).Round(100*time.Millisecond), bare.Round(100*time.Millisecond), o.why))
				r.p.ev.add(who, "UNABLE TO SERVE beyond its fault: %s", probs[len(probs)-1])
			}
		}
	}
	sort.Strings(probs)
	r.result("served_within_faults", probs, fmt.Sprintf("(%d stretches without service; longest beyond a fault and %v of grace: %v %s)", total, grace, worst.Round(100*time.Millisecond), worstWho))
}

// uncovered is how much of outage o lies outside every window (each
// extended by grace).
func uncovered(o outage, wins []window) time.Duration {
	type span struct{ a, b time.Time }
	var cover []span
	for _, w := range wins {
		cover = append(cover, span{w.from, w.to.Add(grace)})
	}
	sort.Slice(cover, func(i, j int) bool { return cover[i].a.Before(cover[j].a) })
	bare := time.Duration(0)
	at := o.from
	for _, c := range cover {
		if !c.b.After(at) {
			continue
		}
		if c.a.After(o.to) {
			break
		}
		if c.a.After(at) {
			bare += c.a.Sub(at)
		}
		at = c.b
		if !at.Before(o.to) {
			return bare
		}
	}
	if o.to.After(at) {
		bare += o.to.Sub(at)
	}
	return bare
}

func (r *report) faultFigures() string {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	var parts []string
	n := 0
	for _, k := range faultKinds {
		if k.missing != "" {
			continue
		}
		c := r.f.counts[k.name]
		n += c
		s := fmt.Sprintf("%s %d", k.name, c)
		if sk := r.f.skipped[k.name]; sk > 0 {
			s += fmt.Sprintf(" (+%d skipped: target busy)", sk)
		}
		parts = append(parts, s)
	}
	var missing []string
	for _, k := range faultKinds {
		if k.missing != "" {
			missing = append(missing, k.name)
		}
	}
	return fmt.Sprintf("(%d faults: %s; not available in this build, not run: %s)", n, strings.Join(parts, ", "), strings.Join(missing, ", "))
}

// figures: throughput, latency, memory, disk.
func (r *report) figures() {
	load := r.loadEnd.Sub(r.loadStart)
	n, all := r.w.lat.pct("", 0.5, 0.95, 0.99)
	r.lines = append(r.lines, fmt.Sprintf("figure load %v of real time for %d working days (one day per %v)", load.Round(time.Second), len(r.w.y.days), (load/time.Duration(len(r.w.y.days))).Round(time.Millisecond)))
	r.lines = append(r.lines, fmt.Sprintf("figure throughput %.1f requests/s served (%d), p50 %v p95 %v p99 %v", float64(n)/load.Seconds(), n,
		all[0].Round(100*time.Microsecond), all[1].Round(100*time.Microsecond), all[2].Round(100*time.Microsecond)))
	r.w.lat.mu.Lock()
	var kinds []string
	for k := range r.w.lat.by {
		kinds = append(kinds, k)
	}
	r.w.lat.mu.Unlock()
	sort.Strings(kinds)
	for _, k := range kinds {
		n, p := r.w.lat.pct(k, 0.5, 0.95, 0.99, 0.999)
		r.lines = append(r.lines, fmt.Sprintf("figure latency %-18s n=%-6d p50 %-8v p95 %-8v p99 %-8v p99.9 %v", k, n,
			p[0].Round(100*time.Microsecond), p[1].Round(100*time.Microsecond), p[2].Round(100*time.Microsecond), p[3].Round(100*time.Microsecond)))
	}
	r.p.rss.mu.Lock()
	var names []string
	for k := range r.p.rss.peak {
		names = append(names, k)
	}
	sort.Strings(names)
	var rss []string
	for _, k := range names {
		rss = append(rss, fmt.Sprintf("%s %.0f MB", k, r.p.rss.peak[k]))
	}
	r.p.rss.mu.Unlock()
	r.lines = append(r.lines, "figure peak RSS "+strings.Join(rss, ", "))
	var disk []string
	for _, x := range r.p.pcs() {
		disk = append(disk, fmt.Sprintf("pc %s %.1f MB (%s)", x.name, float64(x.disk.used())/(1<<20), x.disk.kind))
	}
	disk = append(disk, fmt.Sprintf("hub %.1f MB", float64(dirSize(r.p.hub.dir))/(1<<20)))
	r.lines = append(r.lines, "figure disk used "+strings.Join(disk, ", "))
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
