package discover

import (
	"cmp"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/grandcat/zeroconf"
)

// Peer is another node of the same commune, as far as discovery knows. It is
// a hint: the node may be gone already (mDNS v1.0.0 reports no departures);
// liveness comes from Raft.
type Peer struct {
	NodeID    string           `json:"node_id"`    // "" for a static peer not identified yet
	ClusterID string           `json:"cluster_id"` // "" while the peer belongs to no cluster
	Commune   string           `json:"commune"`
	Version   string           `json:"version"`
	Instance  string           `json:"instance,omitempty"` // mDNS instance name; "" for static only
	Addrs     []netip.AddrPort `json:"addrs"`              // IPv4 first, then IPv6
	Static    string           `json:"static,omitempty"`   // the --peer HOST:PORT it came from, if any
	Seen      time.Time        `json:"seen"`               // last mDNS answer or Identify; zero if never
}

// staticPeer is one --peer HOST:PORT.
type staticPeer struct {
	raw   string
	host  string
	port  uint16
	addrs []netip.AddrPort // resolved (fixed for literal IPs)
	id    *Peer            // identity learnt through Identify, nil until then
}

// table holds the current view and signals changes. It is the part of the
// Discoverer that does not touch the network.
type table struct {
	self     identity // Commune and NodeID matter
	instance string
	now      func() time.Time
	stale    time.Duration
	log      *slog.Logger
	updates  chan struct{}

	mu     sync.Mutex
	mdns   map[string]*Peer // by node ID
	static []*staticPeer
	zone   string          // zone for link-local IPv6 addresses ("" = drop them)
	dups   map[string]bool // instances seen announcing our node ID
}

func newTable(self identity, instance string, now func() time.Time, stale time.Duration, log *slog.Logger, static []*staticPeer) *table {
	return &table{
		self:     self,
		instance: instance,
		now:      now,
		stale:    stale,
		log:      log,
		updates:  make(chan struct{}, 1),
		mdns:     map[string]*Peer{},
		static:   static,
		dups:     map[string]bool{},
	}
}

// notify wakes the Updates reader; signals coalesce.
func (t *table) notify() {
	select {
	case t.updates <- struct{}{}:
	default:
	}
}

func (t *table) setZone(zone string) {
	t.mu.Lock()
	t.zone = zone
	t.mu.Unlock()
}

// observe takes one browse result. It ignores our own announcements, other
// communes and malformed records, and reports whether the view changed.
func (t *table) observe(e *zeroconf.ServiceEntry) bool {
	id, err := parseTXT(e.Text)
	if err != nil {
		t.log.Debug("discover: ignoring malformed announcement", "instance", e.Instance, "err", err)
		return false
	}
	if id.NodeID == t.self.NodeID {
		if e.Instance != t.instance {
			t.mu.Lock()
			first := !t.dups[e.Instance]
			t.dups[e.Instance] = true
			t.mu.Unlock()
			if first {
				t.log.Warn("discover: another machine announces our node ID (a cloned disk or restored backup?)",
					"node", id.NodeID, "instance", e.Instance, "host", e.HostName)
			}
		}
		return false
	}
	if id.Commune != t.self.Commune {
		return false
	}
	if e.Port <= 0 || e.Port > 65535 {
		return false
	}
	t.mu.Lock()
	addrs := entryAddrs(e, uint16(e.Port), t.zone)
	if len(addrs) == 0 {
		t.mu.Unlock()
		return false
	}
	p := &Peer{
		NodeID:    id.NodeID,
		ClusterID: id.ClusterID,
		Commune:   id.Commune,
		Version:   id.Version,
		Instance:  e.Instance,
		Addrs:     addrs,
		Seen:      t.now(),
	}
	old := t.mdns[id.NodeID]
	t.mdns[id.NodeID] = p
	t.mu.Unlock()

	switch {
	case old == nil:
		t.log.Info("discover: found peer", "node", p.NodeID, "cluster", p.ClusterID, "version", p.Version, "addrs", p.Addrs)
	case !samePeer(old, p):
		t.log.Info("discover: peer changed", "node", p.NodeID, "cluster", p.ClusterID, "version", p.Version, "addrs", p.Addrs)
	default:
		return false
	}
	t.notify()
	return true
}

// entryAddrs lists an entry's addresses with port: IPv4 first, then IPv6.
// Link-local IPv6 addresses get zone, or are dropped when zone is "" (the
// receiving interface is ambiguous).
func entryAddrs(e *zeroconf.ServiceEntry, port uint16, zone string) []netip.AddrPort {
	var out []netip.AddrPort
	add := func(ips []net.IP) {
		for _, ip := range ips {
			a, ok := netip.AddrFromSlice(ip)
			if !ok {
				continue
			}
			a = a.Unmap()
			if a.IsUnspecified() || a.IsMulticast() {
				continue
			}
			if a.Is6() && a.IsLinkLocalUnicast() {
				if zone == "" {
					continue
				}
				a = a.WithZone(zone)
			}
			ap := netip.AddrPortFrom(a, port)
			if !slices.Contains(out, ap) {
				out = append(out, ap)
			}
		}
	}
	add(e.AddrIPv4)
	add(e.AddrIPv6)
	return out
}

func samePeer(a, b *Peer) bool {
	return a.NodeID == b.NodeID && a.ClusterID == b.ClusterID && a.Commune == b.Commune &&
		a.Version == b.Version && a.Instance == b.Instance && slices.Equal(a.Addrs, b.Addrs)
}

// sweep forgets mDNS peers not heard from for longer than stale.
func (t *table) sweep() {
	now := t.now()
	var gone []string
	t.mu.Lock()
	for id, p := range t.mdns {
		if now.Sub(p.Seen) > t.stale {
			delete(t.mdns, id)
			gone = append(gone, id)
		}
	}
	t.mu.Unlock()
	for _, id := range gone {
		t.log.Info("discover: peer not heard from, forgetting it", "node", id, "after", t.stale)
	}
	if len(gone) > 0 {
		t.notify()
	}
}

// setStaticAddrs records the resolved addresses of static peer k.
func (t *table) setStaticAddrs(k int, addrs []netip.AddrPort) {
	t.mu.Lock()
	s := t.static[k]
	changed := !slices.Equal(s.addrs, addrs)
	s.addrs = addrs
	t.mu.Unlock()
	if changed {
		t.notify()
	}
}

// identify records who answered at a static address.
func (t *table) identify(raw string, who Peer) bool {
	t.mu.Lock()
	var s *staticPeer
	for _, c := range t.static {
		if c.raw == raw {
			s = c
			break
		}
	}
	if s == nil {
		t.mu.Unlock()
		return false
	}
	changed := s.id == nil || s.id.NodeID != who.NodeID || s.id.ClusterID != who.ClusterID ||
		s.id.Commune != who.Commune || s.id.Version != who.Version
	s.id = &Peer{NodeID: who.NodeID, ClusterID: who.ClusterID, Commune: who.Commune, Version: who.Version, Seen: t.now()}
	t.mu.Unlock()
	if changed {
		t.notify()
	}
	return true
}

// view is the current list of peers, sorted by node ID (unidentified static
// peers last, by their HOST:PORT). A static peer identified as a node that
// mDNS knows too is merged into that node's entry.
func (t *table) view() []Peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	byNode := make(map[string]*Peer, len(t.mdns))
	out := make([]*Peer, 0, len(t.mdns)+len(t.static))
	for id, p := range t.mdns {
		if now.Sub(p.Seen) > t.stale {
			continue // sweep will forget it at the next round
		}
		c := *p
		c.Addrs = slices.Clone(p.Addrs)
		byNode[id] = &c
		out = append(out, &c)
	}
	for _, s := range t.static {
		if s.id != nil {
			if s.id.NodeID == t.self.NodeID || (s.id.Commune != "" && s.id.Commune != t.self.Commune) {
				continue // our own address, or a PC of another commune
			}
			if m := byNode[s.id.NodeID]; m != nil && s.id.NodeID != "" {
				for _, a := range s.addrs {
					if !slices.Contains(m.Addrs, a) {
						m.Addrs = append(m.Addrs, a)
					}
				}
				if m.Static == "" {
					m.Static = s.raw
				}
				continue
			}
		}
		p := &Peer{Commune: t.self.Commune, Addrs: slices.Clone(s.addrs), Static: s.raw}
		if s.id != nil {
			p.NodeID, p.ClusterID, p.Version, p.Seen = s.id.NodeID, s.id.ClusterID, s.id.Version, s.id.Seen
			if s.id.Commune != "" {
				p.Commune = s.id.Commune
			}
		}
		if m := byNode[p.NodeID]; m != nil && p.NodeID != "" {
			continue // two --peer entries naming one node: the first wins
		}
		if p.NodeID != "" {
			byNode[p.NodeID] = p
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Peer) int {
		if (a.NodeID == "") != (b.NodeID == "") {
			if a.NodeID == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.NodeID, b.NodeID), cmp.Compare(a.Static, b.Static))
	})
	peers := make([]Peer, len(out))
	for i, p := range out {
		peers[i] = *p
	}
	return peers
}
