// Package netns builds small virtual LANs out of real Linux network
// namespaces for integration tests: one bridge namespace and N node
// namespaces, each node joined to the bridge by a veth pair.
//
// Every address lives only inside the namespaces a Lab creates (10.99.X.I/24
// and fd00:99:X::I/64, X and I in hex there, on each node's eth0), so tests
// never put traffic on the host's network. Nodes are numbered 1..N, matching
// the last byte of their addresses. The test process itself reaches them
// through Do, Listen, DialContext and HTTPClient, which open sockets inside
// a node's namespace.
//
// Typical use:
//
//	netnstest.Require(t)                  // skips when not root or `ip` is missing
//	lab := netnstest.New(t, "cluster", 3) // deleted again by t.Cleanup
//	p, err := lab.Start(1, bin, []string{"serve", "--peer-listen", lab.Addr(1).String() + ":8421"}, nil)
//	...
//	lab.Link(3, false)                // unplug node 3's cable
//	lab.Attach(1, 1); lab.Attach(2, 1) // or split the LAN: {1,2} | {3}
//	resp, err := lab.HTTPClient(2).Get("http://" + lab.Addr(1).String() + ":8420/api/v1/health")
//
// Namespace names are "xasolab-<pid>-<seq>-<name>-br" and "…-n<i>".
// netnstest.New (the tests' way to make a lab) removes, once per process,
// leftovers of earlier runs whose pid is dead (a test binary killed by a
// timeout cannot run its cleanups).
package netns

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Prefix starts the name of every namespace this package creates.
const Prefix = "xasolab"

// nsDir is where `ip netns` keeps its named namespaces.
const nsDir = "/var/run/netns"

var labSeq atomic.Uint32

// Lab is a bridge namespace plus N node namespaces. Create it with Open
// (or netnstest.New in a test) and Close it. Its methods are safe for
// concurrent use.
type Lab struct {
	id     string // "xasolab-<pid>-<seq>-<name>"
	subnet uint8  // X in 10.99.X.I
	nodes  int
	dir    string // where process output goes

	segMu sync.Mutex   // serialises creating switch segments
	segs  map[int]bool // segments (bridges br<k>) created besides br0

	mu     sync.Mutex
	procs  []*Proc
	made   []string // namespaces created, in creation order
	closed bool
	seq    int // numbers process log files
}

// Available says why labs cannot be built here (nil when they can): they
// need root on Linux and the `ip` tool (iproute2).
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("netns: needs root to create network namespaces (run the tests as root, e.g. in CI)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("netns: the `ip` tool (iproute2) is not installed: apt-get install iproute2")
	}
	return nil
}

// Open builds a lab of n nodes named after name (which also picks X in the
// 10.99.X.I addresses, so labs are easy to tell apart in captures); the
// processes it starts write their output in dir. On an error the
// namespaces made so far are deleted again.
func Open(name string, n int, dir string) (*Lab, error) {
	if n < 1 || n > 250 {
		return nil, fmt.Errorf("netns: a lab has 1..250 nodes, not %d", n)
	}
	seq := labSeq.Add(1)
	short := sanitize(name, 12)
	l := &Lab{
		id:    fmt.Sprintf("%s-%d-%d-%s", Prefix, os.Getpid(), seq, short),
		nodes: n,
		dir:   dir,
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d/%d", short, os.Getpid(), seq)
	l.subnet = uint8(h.Sum32())
	if err := l.build(); err != nil {
		return nil, errors.Join(fmt.Errorf("netns: building lab %s: %w", l.id, err), l.Close())
	}
	return l, nil
}

// build runs the namespace recipe: a bridge namespace with br0 (no address),
// then per node a namespace whose eth0 is a veth peer of v<i> on br0.
func (l *Lab) build() error {
	br := l.BridgeNS()
	if err := l.addNS(br); err != nil {
		return err
	}
	if err := l.addBridge("br0"); err != nil {
		return err
	}
	for i := 1; i <= l.nodes; i++ {
		ns := l.NS(i)
		if err := l.addNS(ns); err != nil {
			return err
		}
		v := "v" + strconv.Itoa(i)
		steps := [][]string{
			{"-n", br, "link", "add", v, "type", "veth", "peer", "name", "eth0", "netns", ns},
			{"-n", br, "link", "set", v, "master", "br0"},
			{"-n", br, "link", "set", v, "up"},
			{"-n", ns, "addr", "add", l.Addr(i).String() + "/24", "dev", "eth0"},
			{"-n", ns, "-6", "addr", "add", l.Addr6(i).String() + "/64", "dev", "eth0", "nodad"},
			{"-n", ns, "link", "set", "eth0", "up", "multicast", "on"},
			{"-n", ns, "link", "set", "lo", "up", "multicast", "on"},
		}
		for _, s := range steps {
			if err := ip(s...); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *Lab) addNS(ns string) error {
	if err := ip("netns", "add", ns); err != nil {
		return err
	}
	l.mu.Lock()
	l.made = append(l.made, ns)
	l.mu.Unlock()
	return nil
}

// Dir is the directory holding the output files of started processes.
func (l *Lab) Dir() string { return l.dir }

// NS is the name of node i's namespace (for `ip netns exec`).
func (l *Lab) NS(i int) string {
	l.check(i)
	return l.id + "-n" + strconv.Itoa(i)
}

// BridgeNS is the name of the namespace holding the bridge br0 and the
// bridge ends v1..vN of the veth pairs.
func (l *Lab) BridgeNS() string { return l.id + "-br" }

// Addr is node i's IPv4 address, 10.99.X.i.
func (l *Lab) Addr(i int) netip.Addr {
	l.check(i)
	return netip.AddrFrom4([4]byte{10, 99, l.subnet, byte(i)})
}

// Addr6 is node i's IPv6 (unique local) address, fd00:99:X::i.
func (l *Lab) Addr6(i int) netip.Addr {
	l.check(i)
	return netip.AddrFrom16([16]byte{0xfd, 0x00, 0x00, 0x99, 0x00, l.subnet, 14: 0, 15: byte(i)})
}

// Prefix is the lab's IPv4 network, 10.99.X.0/24.
func (l *Lab) Prefix() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 99, l.subnet, 0}), 24)
}

// Link plugs (up) or unplugs (down) node i's cable: it sets the bridge end
// of its veth pair up or down. The node keeps its addresses and sockets; its
// eth0 just loses carrier, like a PC whose network cable was pulled.
func (l *Lab) Link(i int, up bool) error {
	l.check(i)
	state := "down"
	if up {
		state = "up"
	}
	return ip("-n", l.BridgeNS(), "link", "set", "v"+strconv.Itoa(i), state)
}

// Attach plugs node i's cable into switch segment seg: the bridge br<seg>
// in the bridge namespace (segment 0, br0, is where every node starts).
// Nodes on different segments cannot reach each other, so moving a group of
// nodes to segment 1 splits the LAN in two (a partition between groups, which
// Link cannot make); Attach(i, 0) joins them again. Like Link it keeps the
// node's addresses and sockets.
func (l *Lab) Attach(i, seg int) error {
	l.check(i)
	if seg < 0 || seg > 99 {
		return fmt.Errorf("netns: segment %d out of range 0..99", seg)
	}
	br := "br" + strconv.Itoa(seg)
	if seg != 0 {
		l.segMu.Lock()
		if !l.segs[seg] {
			if err := l.addBridge(br); err != nil {
				l.segMu.Unlock()
				return err
			}
			if l.segs == nil {
				l.segs = map[int]bool{}
			}
			l.segs[seg] = true
		}
		l.segMu.Unlock()
	}
	return ip("-n", l.BridgeNS(), "link", "set", "v"+strconv.Itoa(i), "master", br)
}

// addBridge creates and starts bridge br in the bridge namespace. Snooping
// is off: with no multicast querier on the LAN the bridge must simply flood
// mDNS (224.0.0.251, ff02::fb) to every port.
func (l *Lab) addBridge(br string) error {
	if err := ip("-n", l.BridgeNS(), "link", "add", br, "type", "bridge", "mcast_snooping", "0"); err != nil {
		return err
	}
	return ip("-n", l.BridgeNS(), "link", "set", br, "up")
}

func (l *Lab) check(i int) {
	if i < 1 || i > l.nodes {
		panic(fmt.Sprintf("netns: node %d out of range 1..%d", i, l.nodes))
	}
}

// Close stops every process started with Start (SIGTERM, then SIGKILL after
// two seconds), kills anything else still running inside the lab's
// namespaces and deletes them. It is idempotent and is called by the test's
// cleanup; calling it earlier is fine.
func (l *Lab) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	procs := append([]*Proc(nil), l.procs...)
	made := append([]string(nil), l.made...)
	l.mu.Unlock()

	StopAll(2*time.Second, procs...)
	var errs []error
	// Nodes first, the bridge last (deleting it removes the veth ends).
	for k := len(made) - 1; k >= 0; k-- {
		if err := deleteNS(made[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deleteNS kills the processes left inside ns (started in it by this lab or
// by a dead run of it) and deletes the namespace.
func deleteNS(ns string) error {
	killPids(ns)
	if err := ip("netns", "delete", ns); err != nil {
		if _, statErr := os.Stat(nsDir + "/" + ns); errors.Is(statErr, os.ErrNotExist) {
			return nil
		}
		return err
	}
	return nil
}

func killPids(ns string) {
	for _, pid := range nsPids(ns) {
		if pid > 1 && pid != os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// nsPids lists the processes running inside namespace ns.
func nsPids(ns string) []int {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// RemoveStale deletes namespaces named by this package whose creating
// process is no longer alive, and kills what still runs inside them. It
// returns the names removed. New calls it once per process.
func RemoveStale() ([]string, error) {
	entries, err := os.ReadDir(nsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", nsDir, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		pid, ok := ownerPid(e.Name())
		if !ok || pidAlive(pid) {
			continue
		}
		if err := deleteNS(e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}

// ownerPid extracts <pid> from "xasolab-<pid>-…".
func ownerPid(ns string) (int, bool) {
	rest, ok := strings.CutPrefix(ns, Prefix+"-")
	if !ok {
		return 0, false
	}
	field, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(field)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ip runs the ip tool and turns its stderr into the error.
func ip(args ...string) error {
	cmd := exec.Command("ip", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// sanitize keeps [a-z0-9] of s (lower-cased), at most max of them.
func sanitize(s string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= max {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "lab"
	}
	return b.String()
}
