// Package discover finds the other Xã Số nodes of the same commune on the
// LAN with mDNS/DNS-SD (github.com/grandcat/zeroconf v1.0.0), plus static
// --peer addresses for LANs that block multicast.
//
// A node announces the service _xaso._tcp with its peer port in the SRV
// record, explicit A/AAAA records under a host name derived from its node ID
// (every network namespace, and many cloned office PCs, share one OS host
// name), and TXT records
//
//	commune=<5-digit code> node=<node ID> cluster=<cluster ID or empty> version=<software version>
//
// It browses continuously: zeroconf's Browse stops querying after its first
// answer and reports each instance once, so the Discoverer starts a fresh
// browse every Interval. Every node answers each fresh query, which
// refreshes Peer.Seen; a peer not heard from for Stale is forgotten.
// Announcements of our own node, of other communes and malformed ones are
// ignored. A change of cluster ID (after joining or merging a cluster) or of
// the machine's addresses is re-announced by registering anew: ClusterID is
// polled every Interval, and Reannounce makes it immediate.
//
// Discovery is a hint. zeroconf v1.0.0 reports no departures and a killed
// node sends no goodbye; whether a peer is alive is Raft's business.
package discover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config.
const (
	DefaultInterval = 10 * time.Second
	staleRounds     = 4 // Stale defaults to this many Intervals
)

// Config configures a Discoverer. Commune, NodeID and Version are required.
type Config struct {
	Commune string // 5-digit commune code; only peers of this commune are reported
	NodeID  string // this node's stable ID, 1..64 of [A-Za-z0-9._:-]
	Version string // software version, announced for mixed-version offices

	// ClusterID returns the current cluster ID ("" while the node belongs
	// to none). It is called from Run's goroutine every Interval and on
	// Reannounce, so it must be safe for concurrent use. Nil: the ID last
	// given to SetClusterID.
	ClusterID func() string

	// Port is the peer port (Raft and peer traffic) announced in the SRV
	// record. 0 means browse only: the node announces nothing.
	Port int

	// Instance is the DNS-SD instance name; default "xaso-<node ID>" (made
	// DNS-safe). It must be unique on the LAN.
	Instance string

	// Interfaces to announce and browse on; default every interface that
	// is up and multicast-capable, looked up again every Interval.
	Interfaces []net.Interface

	// Addrs are the addresses to announce; default the non-loopback
	// addresses of Interfaces (IPv4, global and unique-local IPv6, and
	// link-local IPv6 only when there is no other IPv6 address).
	Addrs []netip.Addr

	// Network is "" (IPv4 and IPv6), "ip4" or "ip6": the mDNS traffic to
	// browse with and the address families to announce.
	Network string

	// Static are --peer HOST:PORT fallbacks for LANs that block multicast.
	// They are reported as peers with an empty NodeID until Identify says
	// who answered there. Host names are resolved every Interval.
	Static []string

	// DisableMDNS turns mDNS off (--no-mdns): only Static peers are reported.
	DisableMDNS bool

	Now      func() time.Time // default time.Now
	Logger   *slog.Logger     // default discards
	Interval time.Duration    // re-browse period; default 10 s
	Stale    time.Duration    // forget an mDNS peer silent this long; default 4 × Interval, at least 2 ×
}

// Discoverer announces this node and browses for its commune's peers. Create
// it with New, run it with Run; Peers, Updates, Reannounce and Identify may
// be called from any goroutine, before, during and after Run.
type Discoverer struct {
	cfg        Config
	self       identity // ClusterID unused: read through cfg.ClusterID
	instance   string
	host       string
	tab        *table
	reannounce chan struct{}
	running    atomic.Bool
	clusterID  atomic.Value // string: the ID given to SetClusterID
}

// New checks cfg and returns a Discoverer. Errors wrap ErrConfig.
func New(cfg Config) (*Discoverer, error) {
	if !validCommune(cfg.Commune) {
		return nil, fmt.Errorf("%w: commune %q is not a 5-digit code", ErrConfig, cfg.Commune)
	}
	if err := validID("node", cfg.NodeID, false); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Version == "" || len(cfg.Version) > maxIDLen || strings.ContainsFunc(cfg.Version, notPrintable) {
		return nil, fmt.Errorf("%w: version must be 1..%d printable bytes", ErrConfig, maxIDLen)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d out of range", ErrConfig, cfg.Port)
	}
	switch cfg.Network {
	case "", "ip", "ip4", "ip6":
	default:
		return nil, fmt.Errorf("%w: network %q is not \"\", \"ip4\" or \"ip6\"", ErrConfig, cfg.Network)
	}
	if cfg.Interval < 0 || cfg.Stale < 0 {
		return nil, fmt.Errorf("%w: negative interval", ErrConfig)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Stale == 0 {
		cfg.Stale = staleRounds * cfg.Interval
	}
	if cfg.Stale < 2*cfg.Interval {
		// Peers refresh once per (jittered) round; a shorter Stale would
		// make live peers flicker in and out of the view.
		return nil, fmt.Errorf("%w: stale %v must be at least twice the interval %v", ErrConfig, cfg.Stale, cfg.Interval)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	host := hostLabel(cfg.NodeID)
	instance := cfg.Instance
	if instance == "" {
		instance = host
	}
	if err := validInstance(instance); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	static := make([]*staticPeer, 0, len(cfg.Static))
	for _, raw := range cfg.Static {
		s, err := parseStatic(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		static = append(static, s)
	}
	self := identity{Commune: cfg.Commune, NodeID: cfg.NodeID, Version: cfg.Version}
	d := &Discoverer{
		cfg:        cfg,
		self:       self,
		instance:   instance,
		host:       host,
		tab:        newTable(self, instance, cfg.Now, cfg.Stale, cfg.Logger, static),
		reannounce: make(chan struct{}, 1),
	}
	d.clusterID.Store("")
	if d.cfg.ClusterID == nil {
		d.cfg.ClusterID = func() string { return d.clusterID.Load().(string) }
	}
	return d, nil
}

// SetClusterID sets the cluster ID announced (when Config.ClusterID is nil)
// and re-announces at once when it changed.
func (d *Discoverer) SetClusterID(id string) {
	if d.clusterID.Swap(id) != id {
		d.Reannounce()
	}
}

// parseStatic reads a --peer HOST:PORT. A literal IP needs no resolving.
func parseStatic(raw string) (*staticPeer, error) {
	host, portStr, err := net.SplitHostPort(raw)
	if err != nil {
		return nil, fmt.Errorf("peer %q is not HOST:PORT: %w", raw, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return nil, fmt.Errorf("peer %q: port must be 1..65535", raw)
	}
	if host == "" {
		return nil, fmt.Errorf("peer %q has no host", raw)
	}
	s := &staticPeer{raw: raw, host: host, port: uint16(port)}
	if a, err := netip.ParseAddr(host); err == nil {
		s.addrs = []netip.AddrPort{netip.AddrPortFrom(a.Unmap(), s.port)}
	}
	return s, nil
}

// Peers returns the current view: mDNS peers of our commune not yet stale,
// and the static peers (merged into the mDNS entry of the node they were
// identified as, hidden when identified as ourselves or another commune).
// Sorted by node ID; unidentified static peers come last.
func (d *Discoverer) Peers() []Peer { return d.tab.view() }

// Updates receives a value after the view changes: a peer found, forgotten,
// or changed (cluster, version, addresses). Signals coalesce and there is a
// single channel, so use one reader that calls Peers after each signal.
// Seen refreshes alone do not signal.
func (d *Discoverer) Updates() <-chan struct{} { return d.tab.updates }

// Reannounce makes Run re-read ClusterID and the local addresses now and
// register anew if they changed (call it after joining or leaving a cluster).
func (d *Discoverer) Reannounce() {
	select {
	case d.reannounce <- struct{}{}:
	default:
	}
}

// Identify records who answered at a static peer address: the caller (the
// cluster) dials each Peer with a Static address, learns the node's ID,
// cluster, commune and version from its handshake, and reports them here.
// From then on the static peer carries that identity (and is merged with the
// node's mDNS entry, or hidden if it turned out to be this node or another
// commune). It returns false when static is not one of Config.Static.
func (d *Discoverer) Identify(static string, who Peer) bool {
	return d.tab.identify(static, who)
}

// Run announces this node and browses for peers until ctx is done, then
// withdraws the announcement and returns nil. Network trouble (no interface
// yet, a cable pulled) is logged and retried every Interval, never fatal.
// Run may be called once. Every goroutine Run starts ends before it returns,
// except zeroconf v1.0.0's announcement sender, which the library does not
// let anyone stop: it finishes on its own within about 3.5 s of the last
// (re)registration, writing only to sockets already closed.
func (d *Discoverer) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("discover: Run called twice")
	}
	defer d.running.Store(false) // a supervisor may run it again
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	if d.hasNamedStatic() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.resolveStatic(ctx)
		}()
	}
	if d.cfg.DisableMDNS {
		<-ctx.Done()
		return nil
	}
	m := &mdns{d: d}
	defer m.stop()
	for ctx.Err() == nil {
		d.tab.sweep()
		m.refresh()
		m.browse(ctx, jitter(d.cfg.Interval))
	}
	return nil
}

func (d *Discoverer) hasNamedStatic() bool {
	for _, s := range d.tab.static {
		if _, err := netip.ParseAddr(s.host); err != nil {
			return true
		}
	}
	return false
}

// resolveStatic looks up the host names of static peers every Interval.
func (d *Discoverer) resolveStatic(ctx context.Context) {
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		for k, s := range d.tab.static {
			if _, err := netip.ParseAddr(s.host); err == nil {
				continue
			}
			lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			ips, err := net.DefaultResolver.LookupNetIP(lctx, "ip", s.host)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				d.cfg.Logger.Debug("discover: cannot resolve static peer", "peer", s.raw, "err", err)
				continue // keep the last known addresses
			}
			addrs := make([]netip.AddrPort, 0, len(ips))
			for _, ip := range ips {
				addrs = append(addrs, netip.AddrPortFrom(ip.Unmap(), s.port))
			}
			d.tab.setStaticAddrs(k, addrs)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
