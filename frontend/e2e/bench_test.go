//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// budgetKB is the target for the gzipped JS and CSS of the UI.
const budgetKB = 150

// bundleGzip returns the gzipped size (default level, as a server sends it)
// of every JS and CSS file of the built UI.
func bundleGzip(tb testing.TB) (total int, files map[string]int) {
	tb.Helper()
	dir := filepath.Join(world.root, "frontend/dist/assets")
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	files = map[string]int{}
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext != ".js" && ext != ".css" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(data)
		_ = zw.Close()
		files[e.Name()] = buf.Len()
		total += buf.Len()
	}
	if len(files) == 0 {
		tb.Fatal("no JS or CSS in frontend/dist/assets")
	}
	return total, files
}

// The size budget is a property of the build, not a timing: a test.
func TestBundleWithinBudget(t *testing.T) {
	total, files := bundleGzip(t)
	t.Logf("gzipped JS+CSS %.1f KB %v", float64(total)/1024, files)
	if total > budgetKB*1024 {
		t.Fatalf("gzipped JS+CSS is %.1f KB, over the %d KB budget", float64(total)/1024, budgetKB)
	}
}

func BenchmarkBundleSize(b *testing.B) {
	var total int
	for b.Loop() {
		total, _ = bundleGzip(b)
	}
	b.ReportMetric(float64(total)/1024, "KB-gzip")
}

// BenchmarkTimeToUsable measures, in headless chromium with the CPU slowed
// 4× (Emulation.setCPUThrottlingRate), the time from navigation start until
// the signed-in desk has its procedure catalog and takes input (the
// performance mark xaso:desk-ready), with the HTTP cache on (a PC that has
// used the UI before) and off (the first visit); unthrottled for comparison.
// The first paint (first-contentful-paint) is reported beside it.
func BenchmarkTimeToUsable(b *testing.B) {
	for _, c := range []struct {
		name string
		rate float64
		cold bool
	}{{"cpu1x-warm", 1, false}, {"cpu4x-warm", 4, false}, {"cpu4x-cold", 4, true}} {
		rate, cold := c.rate, c.cold
		b.Run(c.name, func(b *testing.B) {
			p := newPage(b, 1366, 768)
			ctx := p.ctx
			p.signIn("letiep", password("letiep"))
			p.do(chromedp.WaitVisible(chromedp.CSS(`form.desk[data-ready="true"]`)))
			if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: cold}); err != nil {
				b.Fatal(err)
			}
			if _, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate}); err != nil {
				b.Fatal(err)
			}
			var ms, paint []float64
			b.ResetTimer()
			for b.Loop() {
				if err := chromedp.Do(ctx, chromedp.Navigate(world.base+"/#/desk"), chromedp.Reload()); err != nil {
					b.Fatal(err)
				}
				v, err := chromedp.Run(ctx, chromedp.Poll[float64](
					`performance.getEntriesByName('xaso:desk-ready')[0]?.startTime`,
					chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
				if err != nil {
					b.Fatal(err)
				}
				ms = append(ms, v)
				// First paint: the browser's first-contentful-paint entry,
				// which may be reported a frame after the desk is ready.
				fcp, err := chromedp.Run(ctx, chromedp.Poll[float64](
					`performance.getEntriesByName('first-contentful-paint')[0]?.startTime`,
					chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
				if err != nil {
					b.Fatal(err)
				}
				paint = append(paint, fcp)
			}
			sort.Float64s(ms)
			sort.Float64s(paint)
			b.ReportMetric(ms[len(ms)/2], "ms-median")
			b.ReportMetric(ms[len(ms)-1], "ms-max")
			b.ReportMetric(paint[len(paint)/2], "ms-first-paint")
		})
	}
}

// BenchmarkDesktopMemory starts the real window under Xvfb, waits until the
// UI is online and settled, and sums the memory of the app's process tree
// (the Go process, WebKitWebProcess, WebKitNetworkProcess).
func BenchmarkDesktopMemory(b *testing.B) {
	bin := desktopBinary(b)
	x := startXvfb(b, 1366, 768)
	var rss, pss []float64
	for i := 0; b.Loop(); i++ {
		a := startDesktop(b, bin, x, fmt.Sprintf("bench-desktop-%d", i))
		waitScreen(b, x, a, "the UI online", 30*time.Second, has(onlineDot, 20))
		time.Sleep(3 * time.Second) // let start-up allocations settle
		r, p, n := treeMemory(a.cmd.Process.Pid, i == 0, b)
		if n < 2 {
			b.Fatalf("found %d processes in the app's tree, want the app and WebKit's helpers", n)
		}
		rss = append(rss, float64(r)/1024)
		pss = append(pss, float64(p)/1024)
		a.stop(b)
	}
	b.ReportMetric(mean(rss), "MB-RSS")
	b.ReportMetric(mean(pss), "MB-PSS")
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// treeMemory sums Rss and Pss (kB, from smaps_rollup) of root and all its
// descendants, and counts them.
func treeMemory(root int, logEach bool, tb testing.TB) (rssKB, pssKB int, n int) {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			children[ppid] = append(children[ppid], pid)
		}
	}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, children[pid]...)
		r, p, ok := smapsRollup(pid)
		if ok && logEach {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			tb.Logf("pid %d %-22s RSS %6.1f MB  PSS %6.1f MB", pid, strings.TrimSpace(string(comm)), float64(r)/1024, float64(p)/1024)
		}
		if ok {
			rssKB += r
			pssKB += p
			n++
		}
	}
	return rssKB, pssKB, n
}

func smapsRollup(pid int) (rss, pss int, ok bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		v, _ := strconv.Atoi(fs[1])
		switch fs[0] {
		case "Rss:":
			rss = v
		case "Pss:":
			pss = v
		}
	}
	return rss, pss, true
}
