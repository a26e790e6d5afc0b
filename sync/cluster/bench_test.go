package cluster_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xaso/build/testkit"
)

// TestBenchCluster prints the cluster's figures (make bench-cluster). It
// runs only with XASO_BENCH_CLUSTER=1: targets belong in benchmarks, not in
// timed tests. XASO_BENCH_CATCHUP sets how many commands the absent node
// misses (default 100000).
func TestBenchCluster(t *testing.T) {
	if os.Getenv("XASO_BENCH_CLUSTER") != "1" {
		t.Skip("set XASO_BENCH_CLUSTER=1 (make bench-cluster)")
	}
	_, nodes := startLAN(t, "bench", 3)
	_, leaderID := formed(t, 30*time.Second, nodes...)
	leader := byID(t, leaderID, nodes...)
	followers := except(nodes, leader)
	for k, n := range nodes { // every node holds its number slot
		n.mustReceive(k)
	}
	converged(t, 20*time.Second, -1, nodes...)

	// 1. Received on a follower → visible on all three.
	var lat []time.Duration
	for k := range 300 {
		f := followers[k%2]
		start := time.Now()
		code := f.mustReceive(10 + k)
		for _, n := range nodes {
			for {
				if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err == nil {
					break
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	fmt.Printf("figure: replication latency received-on-follower → visible-on-all (3 namespace nodes, %d dossiers): p50 %.1f ms, p99 %.1f ms (target p99 ≤ 50 ms)\n",
		len(lat), ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]))

	// 2. 16 concurrent desks spread over the nodes.
	cpu0 := cpuSum(t, nodes)
	rate, acked := burst(t, nodes, 16, 8*time.Second, 100000)
	start := time.Now()
	converged(t, 120*time.Second, -1, nodes...)
	fmt.Printf("figure: throughput with 16 desks over 3 nodes: %.0f dossiers/s acknowledged (%d in 8 s), all replicated %.1f s after the burst (target ≥ 4,000/s)\n",
		rate, acked, time.Since(start).Seconds())
	fmt.Printf("figure: CPU of the three nodes per replicated receipt (user+sys, burst and its replication): %.0f µs (target ≤ 400)\n",
		float64((cpuSum(t, nodes)-cpu0).Microseconds())/float64(max(acked, 1)))

	// 3. RSS per node after the load.
	var rss []string
	for _, n := range nodes {
		rss = append(rss, rssParts(n.proc.Pid()))
	}
	fmt.Printf("figure: RSS per node after the load: %s (target ≤ 60 MB)\n", strings.Join(rss, ", "))

	// 4. Catch-up of a node that missed many commands.
	miss := 100000
	if v, err := strconv.Atoi(os.Getenv("XASO_BENCH_CATCHUP")); err == nil && v > 0 {
		miss = v
	}
	away := followers[1]
	away.stop()
	up := except(nodes, away)
	before, _ := up[0].dossiers()
	wrote := 0
	for k := 0; wrote < miss; k++ {
		_, n := burst(t, up, 16, 5*time.Second, 2000000+k*100000)
		wrote += n
	}
	converged(t, 120*time.Second, -1, up...)
	total, _ := up[0].dossiers()
	start = time.Now()
	away.start()
	eventually(t, 10*time.Minute, "catch-up", func() error {
		c, err := away.dossiers()
		if err != nil || c < total {
			return fmt.Errorf("%d of %d", c, total)
		}
		return nil
	})
	fmt.Printf("figure: catch-up of a node that missed %d commands (%d → %d dossiers): %.1f s from its restart\n",
		total-before, before, total, time.Since(start).Seconds())
	fmt.Printf("figure: RSS of the caught-up node: %s\n", rssParts(away.proc.Pid()))
	how := "Raft's log, entry by entry"
	if strings.Contains(string(away.proc.Stderr()), "state snapshot installed") {
		how = "a state snapshot"
	}
	fmt.Printf("figure: the node caught up from %s\n", how)
}

// burst runs desks concurrent receivers spread over nodes for d and
// returns the acknowledged rate and count.
func burst(t *testing.T, nodes []*lanNode, desks int, d time.Duration, base int) (float64, int) {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range desks {
		node := nodes[w%len(nodes)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := base + w*1000000; ctx.Err() == nil; k++ {
				if _, err := node.receiveAt(ctx, k, 1+k%50); err == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), int(n.Load())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rssParts says how much of a node's RSS is heap (RssAnon) and how much is
// mapped files (RssFile: the bbolt databases and the binary).
func rssParts(pid int) string {
	return fmt.Sprintf("%.0f MB (heap %.0f, files %.0f)", statusMB(pid, "VmRSS:"), statusMB(pid, "RssAnon:"), statusMB(pid, "RssFile:"))
}

var statusMB = testkit.StatusMB

// cpuSum is the CPU time (user+sys) the nodes' processes have used, from
// /proc/PID/stat.
func cpuSum(t *testing.T, nodes []*lanNode) time.Duration {
	var sum time.Duration
	for _, n := range nodes {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.proc.Pid()))
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		utime, _ := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15 of stat, after pid and comm
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		sum += time.Duration(utime+stime) * time.Second / 100 // USER_HZ
	}
	return sum
}
