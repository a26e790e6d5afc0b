// Package netnstest makes the network-namespace labs of package netns for
// tests: it skips a test where labs cannot be built, and deletes its lab
// when the test ends.
package netnstest

import (
	"os"
	"sync"
	"testing"

	"xaso/sync/netns"
)

// RequiredEnv names the environment variable that, set to 1, turns
// Require's skips into failures (for CI, where a skipped LAN test would hide
// a missing package).
const RequiredEnv = "XASO_NETNS_REQUIRED"

// Require skips the test, with a clear message, unless it runs as root on
// Linux with the `ip` tool (iproute2) installed. With XASO_NETNS_REQUIRED=1
// it fails instead.
func Require(tb testing.TB) {
	tb.Helper()
	if err := netns.Available(); err != nil {
		if os.Getenv(RequiredEnv) == "1" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
}

var staleOnce sync.Once

// New creates a lab of n nodes named after name (netns.Open). It calls
// Require, removes once per process the leftovers of dead runs, fails the
// test when the namespaces cannot be built, and closes the lab when the
// test ends, also when it fails (after logging its processes' output).
func New(tb testing.TB, name string, n int) *netns.Lab {
	tb.Helper()
	Require(tb)
	staleOnce.Do(func() {
		removed, err := netns.RemoveStale()
		for _, ns := range removed {
			tb.Logf("netns: removed stale namespace %s", ns)
		}
		if err != nil {
			tb.Logf("netns: removing stale namespaces: %v", err)
		}
	})
	l, err := netns.Open(name, n, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			l.DumpLogs(tb.Logf)
		}
		if err := l.Close(); err != nil {
			tb.Errorf("netns: %v", err)
		}
	})
	return l
}
