package discover

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grandcat/zeroconf"
)

func TestParseTXT(t *testing.T) {
	long := strings.Repeat("a", maxIDLen+1)
	cases := []struct {
		name string
		txt  []string
		want identity
		err  string
	}{
		{"complete", []string{"commune=26734", "node=n1", "cluster=c1", "version=0.3.0"},
			identity{"26734", "n1", "c1", "0.3.0"}, ""},
		{"no cluster yet", []string{"commune=26734", "node=n1", "cluster=", "version=1"},
			identity{"26734", "n1", "", "1"}, ""},
		{"keys are case-insensitive, unknown ones ignored", []string{"Commune=26734", "NODE=n1", "future=x", "flag"},
			identity{"26734", "n1", "", ""}, ""},
		{"first occurrence wins", []string{"commune=26734", "commune=11111", "node=n1", "node=n2"},
			identity{"26734", "n1", "", ""}, ""},
		{"uuid node id", []string{"commune=00001", "node=3f2b8c1e-1d2a-4c55-9a0e-6b7f1c2d3e4f"},
			identity{"00001", "3f2b8c1e-1d2a-4c55-9a0e-6b7f1c2d3e4f", "", ""}, ""},
		{"no commune", []string{"node=n1"}, identity{}, "lacks"},
		{"no node", []string{"commune=26734"}, identity{}, "lacks"},
		{"empty record", nil, identity{}, "lacks"},
		{"commune of 4 digits", []string{"commune=2673", "node=n1"}, identity{}, "5-digit"},
		{"commune with letters", []string{"commune=2673x", "node=n1"}, identity{}, "5-digit"},
		{"commune as attribute", []string{"commune", "node=n1"}, identity{}, "5-digit"},
		{"empty node", []string{"commune=26734", "node="}, identity{}, "empty"},
		{"node with space", []string{"commune=26734", "node=a b"}, identity{}, "character"},
		{"node too long", []string{"commune=26734", "node=" + long}, identity{}, "longer"},
		{"cluster with slash", []string{"commune=26734", "node=n1", "cluster=a/b"}, identity{}, "character"},
		{"version with control char", []string{"commune=26734", "node=n1", "version=1\n"}, identity{}, "printable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseTXT(c.txt)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("parseTXT(%q) error = %v, want one containing %q", c.txt, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("parseTXT(%q) = %+v, %v; want %+v", c.txt, got, err, c.want)
			}
		})
	}
}

func TestTXTRoundTrip(t *testing.T) {
	id := identity{Commune: "26734", NodeID: "node-1", ClusterID: "cl:9", Version: "1.2.3"}
	txt := encodeTXT(id)
	for _, s := range txt {
		if len(s) > 255 {
			t.Fatalf("TXT string %q longer than 255 bytes", s)
		}
	}
	got, err := parseTXT(txt)
	if err != nil || got != id {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, id)
	}
}

func TestHostLabel(t *testing.T) {
	ids := []string{"n1", "N1", "node_1", "3f2b8c1e-1d2a-4c55-9a0e-6b7f1c2d3e4f", strings.Repeat("z", 64), "a.b"}
	seen := map[string]string{}
	for _, id := range ids {
		h := hostLabel(id)
		if len(h) > 63 || strings.ContainsFunc(h, func(r rune) bool {
			return !((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-')
		}) {
			t.Errorf("hostLabel(%q) = %q is not a DNS label", id, h)
		}
		if other, dup := seen[h]; dup {
			t.Errorf("hostLabel(%q) = hostLabel(%q) = %q", id, other, h)
		}
		seen[h] = id
		if hostLabel(id) != h {
			t.Errorf("hostLabel(%q) is not stable", id)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	good := Config{Commune: "26734", NodeID: "n1", Version: "1", Port: 8421}
	cases := []struct {
		name string
		edit func(*Config)
	}{
		{"commune", func(c *Config) { c.Commune = "267" }},
		{"node", func(c *Config) { c.NodeID = "" }},
		{"node chars", func(c *Config) { c.NodeID = "a/b" }},
		{"version", func(c *Config) { c.Version = "" }},
		{"port", func(c *Config) { c.Port = 70000 }},
		{"network", func(c *Config) { c.Network = "tcp" }},
		{"interval", func(c *Config) { c.Interval = -time.Second }},
		{"stale below two rounds", func(c *Config) { c.Interval, c.Stale = time.Second, 1500*time.Millisecond }},
		{"instance", func(c *Config) { c.Instance = "a.b" }},
		{"static without port", func(c *Config) { c.Static = []string{"10.0.0.1"} }},
		{"static port 0", func(c *Config) { c.Static = []string{"10.0.0.1:0"} }},
		{"static no host", func(c *Config) { c.Static = []string{":8421"} }},
	}
	if _, err := New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, c := range cases {
		cfg := good
		c.edit(&cfg)
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: New error = %v, want ErrConfig", c.name, err)
		}
	}
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testTable(t *testing.T, static ...string) (*table, *clock, *bytes.Buffer) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	var sps []*staticPeer
	for _, raw := range static {
		s, err := parseStatic(raw)
		if err != nil {
			t.Fatal(err)
		}
		sps = append(sps, s)
	}
	self := identity{Commune: "26734", NodeID: "self"}
	log := slog.New(slog.NewTextHandler(&logs, nil))
	return newTable(self, hostLabel("self"), c.now, 40*time.Second, log, sps), c, &logs
}

func entry(instance string, port int, txt []string, ips ...string) *zeroconf.ServiceEntry {
	e := zeroconf.NewServiceEntry(instance, Service, Domain)
	e.Port = port
	e.Text = txt
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip.To4() != nil {
			e.AddrIPv4 = append(e.AddrIPv4, ip)
		} else {
			e.AddrIPv6 = append(e.AddrIPv6, ip)
		}
	}
	return e
}

func txt(commune, node, cluster string) []string {
	return encodeTXT(identity{Commune: commune, NodeID: node, ClusterID: cluster, Version: "1"})
}

// signalled drains one pending Updates signal and reports whether there was one.
func signalled(tab *table) bool {
	select {
	case <-tab.updates:
		return true
	default:
		return false
	}
}

func TestObserveFilters(t *testing.T) {
	cases := []struct {
		name string
		e    *zeroconf.ServiceEntry
	}{
		{"our own announcement", entry(hostLabel("self"), 8421, txt("26734", "self", ""), "10.0.0.1")},
		{"another commune", entry("xaso-n9", 8421, txt("99999", "n9", ""), "10.0.0.9")},
		{"malformed TXT", entry("xaso-n2", 8421, []string{"commune=26734"}, "10.0.0.2")},
		{"foreign service TXT", entry("printer", 631, []string{"rp=ipp/print"}, "10.0.0.3")},
		{"no port", entry("xaso-n2", 0, txt("26734", "n2", ""), "10.0.0.2")},
		{"only unusable addresses", entry("xaso-n2", 8421, txt("26734", "n2", ""), "0.0.0.0", "224.0.0.251")},
		{"link-local only, ambiguous interface", entry("xaso-n2", 8421, txt("26734", "n2", ""), "fe80::1")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, _, _ := testTable(t)
			if tab.observe(c.e) || len(tab.view()) != 0 || signalled(tab) {
				t.Fatalf("entry was not ignored: view %+v", tab.view())
			}
		})
	}
}

func TestObserveWarnsAboutClonedNodeID(t *testing.T) {
	tab, _, logs := testTable(t)
	e := entry("xaso-other-pc", 8421, txt("26734", "self", ""), "10.0.0.7")
	tab.observe(e)
	tab.observe(e)
	if n := strings.Count(logs.String(), "announces our node ID"); n != 1 {
		t.Fatalf("warned %d times, want once:\n%s", n, logs)
	}
	if len(tab.view()) != 0 {
		t.Fatal("a node with our ID became a peer")
	}
}

func TestObserveTracksPeers(t *testing.T) {
	tab, clk, _ := testTable(t)
	tab.setZone("eth0")

	if !tab.observe(entry("xaso-n2", 8421, txt("26734", "n2", ""), "10.99.1.2", "fd00::2")) || !signalled(tab) {
		t.Fatal("new peer not reported")
	}
	want := Peer{NodeID: "n2", Commune: "26734", Version: "1", Instance: "xaso-n2", Seen: clk.t,
		Addrs: []netip.AddrPort{netip.MustParseAddrPort("10.99.1.2:8421"), netip.MustParseAddrPort("[fd00::2]:8421")}}
	if v := tab.view(); len(v) != 1 || !equalPeer(v[0], want) {
		t.Fatalf("view = %+v, want [%+v]", v, want)
	}

	// The same answer a round later refreshes Seen without a signal.
	clk.t = clk.t.Add(10 * time.Second)
	if tab.observe(entry("xaso-n2", 8421, txt("26734", "n2", ""), "10.99.1.2", "fd00::2")) || signalled(tab) {
		t.Fatal("an unchanged peer signalled an update")
	}
	if v := tab.view(); !v[0].Seen.Equal(clk.t) {
		t.Fatalf("Seen = %v, want %v", v[0].Seen, clk.t)
	}

	// Joining a cluster is a change.
	if !tab.observe(entry("xaso-n2", 8421, txt("26734", "n2", "c1"), "10.99.1.2")) || !signalled(tab) {
		t.Fatal("cluster change not reported")
	}
	if v := tab.view(); v[0].ClusterID != "c1" || len(v[0].Addrs) != 1 {
		t.Fatalf("view after change = %+v", v)
	}

	// Link-local addresses get the zone of the only interface.
	tab.observe(entry("xaso-n3", 9000, txt("26734", "n3", ""), "fe80::3"))
	v := tab.view()
	if len(v) != 2 || v[1].NodeID != "n3" || v[1].Addrs[0] != netip.MustParseAddrPort("[fe80::3%eth0]:9000") {
		t.Fatalf("view = %+v", v)
	}

	// Silent for longer than stale: hidden at once, forgotten by sweep.
	clk.t = clk.t.Add(41 * time.Second)
	if v := tab.view(); len(v) != 0 {
		t.Fatalf("stale peers still in view: %+v", v)
	}
	signalled(tab)
	tab.sweep()
	if !signalled(tab) || len(tab.mdns) != 0 {
		t.Fatal("sweep did not forget stale peers")
	}
	// Heard again: back.
	if !tab.observe(entry("xaso-n2", 8421, txt("26734", "n2", "c1"), "10.99.1.2")) {
		t.Fatal("returning peer not reported")
	}
}

func equalPeer(a, b Peer) bool {
	return a.NodeID == b.NodeID && a.ClusterID == b.ClusterID && a.Commune == b.Commune && a.Version == b.Version &&
		a.Instance == b.Instance && a.Static == b.Static && a.Seen.Equal(b.Seen) && slices.Equal(a.Addrs, b.Addrs)
}

func TestStaticPeers(t *testing.T) {
	tab, clk, _ := testTable(t, "10.0.0.2:8421", "10.0.0.3:8421", "10.0.0.4:8421", "10.0.0.5:8421", "pc-ketoan.lan:8421")
	v := tab.view()
	if len(v) != 5 {
		t.Fatalf("view = %+v", v)
	}
	for _, p := range v {
		if p.NodeID != "" || p.Commune != "26734" || p.Static == "" {
			t.Fatalf("unidentified static peer = %+v", p)
		}
	}
	if len(v[4].Addrs) != 0 || v[4].Static != "pc-ketoan.lan:8421" {
		t.Fatalf("named static peer before resolving = %+v", v[4])
	}
	tab.setStaticAddrs(4, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.6:8421")})
	if !signalled(tab) {
		t.Fatal("resolving a static peer did not signal")
	}

	// n2 is known by mDNS as well; the static address is merged into it.
	tab.observe(entry("xaso-n2", 8421, txt("26734", "n2", "c1"), "10.99.1.2"))
	signalled(tab)
	if !tab.identify("10.0.0.2:8421", Peer{NodeID: "n2", ClusterID: "c1", Commune: "26734", Version: "1"}) || !signalled(tab) {
		t.Fatal("identify did not signal")
	}
	tab.identify("10.0.0.3:8421", Peer{NodeID: "self", Commune: "26734"})             // ourselves
	tab.identify("10.0.0.4:8421", Peer{NodeID: "n4", Commune: "11111"})               // another commune
	tab.identify("10.0.0.5:8421", Peer{NodeID: "n5", Commune: "26734", Version: "2"}) // known only statically
	if tab.identify("10.9.9.9:1", Peer{NodeID: "x"}) {
		t.Fatal("identify accepted an address that is not a static peer")
	}
	v = tab.view()
	if len(v) != 3 {
		t.Fatalf("view = %+v, want n2 (merged), n5, and the unidentified named peer", v)
	}
	n2 := v[0]
	if n2.NodeID != "n2" || n2.Static != "10.0.0.2:8421" ||
		!slices.Equal(n2.Addrs, []netip.AddrPort{netip.MustParseAddrPort("10.99.1.2:8421"), netip.MustParseAddrPort("10.0.0.2:8421")}) {
		t.Fatalf("merged n2 = %+v", n2)
	}
	if n5 := v[1]; n5.NodeID != "n5" || n5.Version != "2" || !n5.Seen.Equal(clk.t) || n5.Static != "10.0.0.5:8421" {
		t.Fatalf("n5 = %+v", n5)
	}
	if last := v[2]; last.NodeID != "" || last.Addrs[0] != netip.MustParseAddrPort("10.0.0.6:8421") {
		t.Fatalf("unidentified = %+v", last)
	}
	// Static peers never go stale: when mDNS forgets n2 its static
	// address remains, still carrying the identity learnt.
	clk.t = clk.t.Add(time.Hour)
	tab.sweep()
	v = tab.view()
	if len(v) != 3 || v[0].NodeID != "n2" || v[0].Instance != "" ||
		!slices.Equal(v[0].Addrs, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.2:8421")}) {
		t.Fatalf("after an hour: %+v", v)
	}
}

func TestAnnounceAddrs(t *testing.T) {
	addrs := func(ss ...string) []netip.Addr {
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}
	cases := []struct {
		name    string
		network string
		in      []netip.Addr
		want    []netip.Addr
	}{
		{"v4 first, loopback dropped", "", addrs("fd00::2", "127.0.0.1", "10.0.0.2", "::1"), addrs("10.0.0.2", "fd00::2")},
		{"link-local only without other v6", "", addrs("fe80::2", "fd00::2", "10.0.0.2"), addrs("10.0.0.2", "fd00::2")},
		{"link-local when alone", "", addrs("fe80::2", "10.0.0.2"), addrs("10.0.0.2", "fe80::2")},
		{"ip4 only", "ip4", addrs("fd00::2", "10.0.0.2"), addrs("10.0.0.2")},
		{"ip6 only", "ip6", addrs("fd00::2", "10.0.0.2"), addrs("fd00::2")},
		{"duplicates", "", addrs("10.0.0.2", "10.0.0.2"), addrs("10.0.0.2")},
	}
	for _, c := range cases {
		d := &Discoverer{cfg: Config{Addrs: c.in, Network: c.network}}
		if got := d.announceAddrs(nil); !slices.Equal(got, c.want) {
			t.Errorf("%s: announceAddrs = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestJitter(t *testing.T) {
	for range 1000 {
		if j := jitter(time.Second); j < 900*time.Millisecond || j > 1100*time.Millisecond {
			t.Fatalf("jitter(1s) = %v", j)
		}
	}
}

func TestLinkLocalZone(t *testing.T) {
	lo := net.Interface{Name: "lo", Flags: net.FlagLoopback | net.FlagUp}
	eth := net.Interface{Name: "eth0", Flags: net.FlagUp}
	wifi := net.Interface{Name: "wlan0", Flags: net.FlagUp}
	if z := linkLocalZone([]net.Interface{lo, eth}); z != "eth0" {
		t.Errorf("zone = %q, want eth0", z)
	}
	if z := linkLocalZone([]net.Interface{eth, wifi}); z != "" {
		t.Errorf("zone = %q with two interfaces, want none", z)
	}
}
