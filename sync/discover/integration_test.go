package discover

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"xaso/sync/netns"
	"xaso/sync/netns/netnstest"
)

// labNode is one helper process in the lab.
type labNode struct {
	i       int
	id      string
	commune string
	proc    *netns.Proc
	cluster string // path of its cluster-ID file
}

// last returns the newest complete line the helper printed.
func (n *labNode) last() (helperLine, error) {
	out := n.proc.Stdout()
	end := bytes.LastIndexByte(out, '\n')
	if end < 0 {
		return helperLine{}, fmt.Errorf("node %d printed nothing yet", n.i)
	}
	start := bytes.LastIndexByte(out[:end], '\n') + 1
	var l helperLine
	if err := json.Unmarshal(out[start:end], &l); err != nil {
		return helperLine{}, fmt.Errorf("node %d: bad line %q: %w", n.i, out[start:end], err)
	}
	return l, nil
}

// sees checks that n's newest view holds exactly the nodes want (with the
// given cluster ID, "" for any), each with all of its lab addresses.
func (n *labNode) sees(lab *netns.Lab, want []*labNode, cluster string, port int) error {
	if n.proc.Exited() {
		return fmt.Errorf("node %d exited: %v\n%s", n.i, n.proc.Wait(), n.proc.Stderr())
	}
	l, err := n.last()
	if err != nil {
		return err
	}
	var got, exp []string
	for _, p := range l.Peers {
		got = append(got, p.NodeID)
	}
	for _, w := range want {
		exp = append(exp, w.id)
	}
	if !slices.Equal(got, exp) {
		return fmt.Errorf("node %d sees %v, want %v", n.i, got, exp)
	}
	for k, p := range l.Peers {
		w := want[k]
		if p.Commune != n.commune || p.Version != "test" || p.Instance != hostLabel(w.id) {
			return fmt.Errorf("node %d: peer %+v", n.i, p)
		}
		if cluster != "" && p.ClusterID != cluster {
			return fmt.Errorf("node %d: peer %s has cluster %q, want %q", n.i, p.NodeID, p.ClusterID, cluster)
		}
		for _, a := range []netip.Addr{lab.Addr(w.i), lab.Addr6(w.i)} {
			if w.commune == "11111" && a.Is4() {
				continue // the IPv6-only nodes announce no IPv4 address
			}
			if !slices.Contains(p.Addrs, netip.AddrPortFrom(a, uint16(port))) {
				return fmt.Errorf("node %d: peer %s lacks address %v: %v", n.i, p.NodeID, a, p.Addrs)
			}
		}
	}
	return nil
}

// firstFull returns the helper's clock (ms since its start) at the first
// line listing want peers, or -1.
func (n *labNode) firstFull(want int) int64 {
	for _, line := range bytes.Split(n.proc.Stdout(), []byte("\n")) {
		var l helperLine
		if json.Unmarshal(line, &l) == nil && len(l.Peers) == want {
			return l.MS
		}
	}
	return -1
}

// waitAll polls every 50 ms until check passes for every node, and returns
// how long that took.
func waitAll(t *testing.T, what string, limit time.Duration, nodes []*labNode, check func(n *labNode) error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var err error
		for _, n := range nodes {
			if err = check(n); err != nil {
				break
			}
		}
		if err == nil {
			took := time.Since(start)
			t.Logf("%s: %v", what, took.Round(time.Millisecond))
			return took
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not done after %v: %v", what, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// helperLab is the lab of an integration test: n namespaces named name,
// skipped in -short runs, and a folder for the nodes' cluster files.
func helperLab(t *testing.T, name string, n int, skip string) (*netns.Lab, string) {
	t.Helper()
	netnstest.Require(t)
	if testing.Short() {
		t.Skip(skip)
	}
	return netnstest.New(t, name, n), t.TempDir()
}

func newLabNode(dir string, i int, commune string) *labNode {
	return &labNode{i: i, id: fmt.Sprintf("node-%d", i), commune: commune, cluster: filepath.Join(dir, fmt.Sprintf("cluster-%d", i))}
}

// startHelper runs this test binary as a discovery node in n's namespace,
// with cluster as the content of its cluster file and hc completed with n's
// commune, ID and cluster file.
func startHelper(t *testing.T, lab *netns.Lab, n *labNode, cluster []byte, hc helperConfig) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(n.cluster, cluster, 0o600); err != nil {
		t.Fatal(err)
	}
	hc.Commune, hc.NodeID, hc.ClusterFile = n.commune, n.id, n.cluster
	cfg, _ := json.Marshal(hc)
	if n.proc, err = lab.Start(n.i, self, []string{"-test.run=^$"}, []string{helperEnv + "=" + string(cfg)}); err != nil {
		t.Fatal(err)
	}
}

// TestDiscoveryInNamespaces runs five real discovery nodes, each in its own
// network namespace on one bridge: nodes 1-3 of commune 26734 (IPv4 and
// IPv6) and nodes 4-5 of commune 11111 (browsing over IPv6 only). They must
// find their own commune by mDNS alone and ignore the other, see cluster-ID
// changes, survive a pulled cable and find each other again afterwards.
func TestDiscoveryInNamespaces(t *testing.T) {
	lab, dir := helperLab(t, "discover", 5, "integration test (about 10 s)")
	const port = 8421
	nodes := make([]*labNode, 5)
	startNode := func(i int) {
		n := newLabNode(dir, i, "26734")
		network := ""
		if i >= 4 {
			n.commune, network = "11111", "ip6"
		}
		startHelper(t, lab, n, nil, helperConfig{Port: port, Network: network, Interval: time.Second, Stale: 3 * time.Second})
		nodes[i-1] = n
	}
	others := func(group []*labNode, n *labNode) []*labNode {
		return slices.DeleteFunc(slices.Clone(group), func(o *labNode) bool { return o == n })
	}

	// 1. Nodes 1, 2, 4 and 5 start together and find the other node of
	// their commune by mDNS alone.
	for _, i := range []int{1, 2, 4, 5} {
		startNode(i)
	}
	pairs := [][]*labNode{{nodes[0], nodes[1]}, {nodes[3], nodes[4]}}
	waitAll(t, "two pairs found each other (from start)", 15*time.Second, slices.Concat(pairs...), func(n *labNode) error {
		pair := pairs[0]
		if n.commune == "11111" {
			pair = pairs[1]
		}
		return n.sees(lab, others(pair, n), "", port)
	})
	for _, n := range slices.Concat(pairs...) {
		t.Logf("node %d: full view %d ms after its own start", n.i, n.firstFull(1))
	}

	// 2. Node 3 joins late (a PC switched on in a running office): it finds
	// nodes 1 and 2 from their answers to its query, they find it from its
	// announcement and their periodic re-browse.
	startNode(3)
	a, b := nodes[:3], nodes[3:]
	waitAll(t, "late joiner node 3 and nodes 1-2 see each other (from its start)", 15*time.Second, nodes, func(n *labNode) error {
		if n.commune == "26734" {
			return n.sees(lab, others(a, n), "", port)
		}
		return n.sees(lab, others(b, n), "", port)
	})
	t.Logf("node 3: full view %d ms after its own start", nodes[2].firstFull(2))

	// 3. Node 1 joins a cluster: the others see the new cluster ID.
	if err := os.WriteFile(a[0].cluster, []byte("cluster-x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitAll(t, "cluster-ID change seen", 10*time.Second, a[1:], func(n *labNode) error {
		l, err := n.last()
		if err != nil {
			return err
		}
		for _, p := range l.Peers {
			if p.NodeID == a[0].id && p.ClusterID == "cluster-x" {
				return nil
			}
		}
		return fmt.Errorf("node %d does not see node 1 in cluster-x: %+v", n.i, l.Peers)
	})

	// 4. Pull node 3's cable: nothing crashes; nodes 1 and 2 forget node 3
	// (and it forgets them) once it has been silent for Stale.
	if err := lab.Link(3, false); err != nil {
		t.Fatal(err)
	}
	waitAll(t, "views after cutting node 3", 15*time.Second, a, func(n *labNode) error {
		if n.i == 3 {
			return n.sees(lab, nil, "", port)
		}
		return n.sees(lab, others(a[:2], n), "", port)
	})

	// 5. Plug it back: all three find each other again.
	if err := lab.Link(3, true); err != nil {
		t.Fatal(err)
	}
	waitAll(t, "rediscovery after healing node 3", 15*time.Second, a, func(n *labNode) error {
		return n.sees(lab, others(a, n), "", port)
	})

	// 6. The other commune was never reported, by anyone, at any time.
	for _, n := range nodes {
		for _, line := range strings.Split(strings.TrimSpace(string(n.proc.Stdout())), "\n") {
			var l helperLine
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("node %d: bad line %q: %v", n.i, line, err)
			}
			for _, p := range l.Peers {
				if p.Commune != n.commune || p.NodeID == n.id {
					t.Fatalf("node %d (commune %s) reported %+v", n.i, n.commune, p)
				}
			}
		}
	}

	// 7. Clean shutdown everywhere.
	stopAll(t, nodes)
}

// TestReannounceInNamespaces checks that Reannounce publishes a new cluster
// ID at once: both nodes re-browse only every hour, so nothing but
// Reannounce (sent by SIGHUP to the helper: a goodbye, then a fresh
// announcement) can make node 2 see node 1's new cluster ID.
func TestReannounceInNamespaces(t *testing.T) {
	lab, dir := helperLab(t, "reannounce", 2, "integration test")
	const port = 8421
	var nodes []*labNode
	for i := range 2 {
		n := newLabNode(dir, i+1, "26734")
		startHelper(t, lab, n, []byte("old"), helperConfig{Port: port, Interval: time.Hour, Stale: 2 * time.Hour})
		nodes = append(nodes, n)
	}
	waitAll(t, "both nodes see each other in cluster old", 15*time.Second, nodes, func(n *labNode) error {
		other := nodes[2-n.i]
		return n.sees(lab, []*labNode{other}, "old", port)
	})

	if err := os.WriteFile(nodes[0].cluster, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitAll(t, "node 2 sees node 1's new cluster after Reannounce", 15*time.Second, nodes[1:], func(n *labNode) error {
		return n.sees(lab, nodes[:1], "new", port)
	})
	stopAll(t, nodes)
}

// stopAll sends SIGTERM to every helper and expects clean exits.
func stopAll(t *testing.T, nodes []*labNode) {
	t.Helper()
	procs := make([]*netns.Proc, len(nodes))
	for k, n := range nodes {
		procs[k] = n.proc
	}
	for k, err := range netns.StopAll(5*time.Second, procs...) {
		n := nodes[k]
		if err != nil {
			t.Errorf("node %d did not stop cleanly: %v\n%s", n.i, err, n.proc.Stderr())
		}
		if bytes.Contains(n.proc.Stderr(), []byte("panic")) {
			t.Errorf("node %d panicked:\n%s", n.i, n.proc.Stderr())
		}
	}
}
