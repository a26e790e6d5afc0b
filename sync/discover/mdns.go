package discover

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/grandcat/zeroconf"
)

// mdns is the zeroconf side of Run. Only Run's goroutine touches it.
type mdns struct {
	d       *Discoverer
	srv     *zeroconf.Server
	key     string // what srv announces: cluster, addresses, interfaces
	ifaces  []net.Interface
	lastErr string // last logged problem, to log each problem once
}

// refresh looks at the interfaces, addresses and cluster ID and, if they
// differ from what is announced (or nothing is), registers anew. zeroconf's
// SetText sends a bare TXT record that browsers ignore (it has no
// addresses), so a change means Shutdown (a goodbye) and RegisterProxy (a
// fresh announcement that browsers report again).
func (m *mdns) refresh() {
	d := m.d
	ifaces, err := d.interfaces()
	if err != nil {
		m.problem("listing interfaces", err)
	}
	m.ifaces = ifaces
	d.tab.setZone(linkLocalZone(ifaces))
	if d.cfg.Port == 0 {
		return // browse only
	}
	addrs := d.announceAddrs(ifaces)
	cluster := d.cfg.ClusterID()
	if err := validID("cluster", cluster, true); err != nil {
		m.problem("cluster ID", err)
		cluster = ""
	}
	key := cluster + "|" + fmt.Sprint(addrs) + "|" + ifaceKey(ifaces)
	if m.srv != nil && key == m.key {
		return
	}
	m.stop()
	if len(addrs) == 0 || len(ifaces) == 0 {
		m.problem("announcing", fmt.Errorf("no usable interface address yet"))
		return
	}
	id := d.self
	id.ClusterID = cluster
	ips := make([]string, len(addrs))
	for i, a := range addrs {
		ips[i] = a.String()
	}
	srv, err := zeroconf.RegisterProxy(d.instance, Service, Domain, d.cfg.Port, d.host, ips, encodeTXT(id), ifaces)
	if err != nil {
		m.problem("announcing", err)
		return
	}
	m.srv, m.key = srv, key
	m.lastErr = ""
	d.cfg.Logger.Info("discover: announcing", "instance", d.instance, "port", d.cfg.Port, "cluster", cluster, "addrs", ips)
}

// stop withdraws the announcement (zeroconf sends a goodbye).
func (m *mdns) stop() {
	if m.srv != nil {
		m.srv.Shutdown()
		m.srv, m.key = nil, ""
	}
}

// browse runs one browse of length d: it queries once and takes answers and
// announcements until the round ends, handling Reannounce meanwhile.
func (m *mdns) browse(ctx context.Context, length time.Duration) {
	d := m.d
	rctx, cancel := context.WithTimeout(ctx, length)
	defer cancel()
	entries := make(chan *zeroconf.ServiceEntry, 16)
	res, err := d.resolver(m.ifaces)
	if err == nil {
		// On error Browse has cancelled its own context; its loop still
		// closes entries, so the drain below ends either way.
		if err = res.Browse(rctx, Service, Domain, entries); err != nil {
			m.problem("browsing", err)
		}
	} else {
		m.problem("browsing", err)
		entries = nil // nothing to read: wait for the round to end
	}
	done := rctx.Done()
	for {
		select {
		case e, ok := <-entries:
			if !ok {
				return // the round is over (zeroconf closes it at rctx's end)
			}
			d.tab.observe(e)
		case <-d.reannounce:
			m.refresh()
		case <-done:
			if entries == nil {
				return
			}
			done = nil // keep draining until zeroconf closes entries
		}
	}
}

// problem logs err once until another problem (or success) replaces it.
func (m *mdns) problem(what string, err error) {
	msg := what + ": " + err.Error()
	if msg == m.lastErr {
		return
	}
	m.lastErr = msg
	m.d.cfg.Logger.Warn("discover: mDNS trouble, retrying every interval", "what", what, "err", err)
}

// resolver opens the browsing sockets for the configured traffic; with
// both families it falls back to one when the other is unavailable.
func (d *Discoverer) resolver(ifaces []net.Interface) (*zeroconf.Resolver, error) {
	sel := zeroconf.SelectIfaces(ifaces)
	switch d.cfg.Network {
	case "ip4":
		return zeroconf.NewResolver(sel, zeroconf.SelectIPTraffic(zeroconf.IPv4))
	case "ip6":
		return zeroconf.NewResolver(sel, zeroconf.SelectIPTraffic(zeroconf.IPv6))
	}
	r, err := zeroconf.NewResolver(sel, zeroconf.SelectIPTraffic(zeroconf.IPv4AndIPv6))
	if err == nil {
		return r, nil
	}
	if r4, err4 := zeroconf.NewResolver(sel, zeroconf.SelectIPTraffic(zeroconf.IPv4)); err4 == nil {
		return r4, nil
	}
	if r6, err6 := zeroconf.NewResolver(sel, zeroconf.SelectIPTraffic(zeroconf.IPv6)); err6 == nil {
		return r6, nil
	}
	return nil, err
}

// interfaces returns the configured interfaces, or every interface that is
// up and multicast-capable (as zeroconf would pick).
func (d *Discoverer) interfaces() ([]net.Interface, error) {
	if len(d.cfg.Interfaces) > 0 {
		return d.cfg.Interfaces, nil
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 {
			out = append(out, ifi)
		}
	}
	return out, nil
}

// announceAddrs picks the addresses to announce: Config.Addrs, or the
// interfaces' non-loopback IPv4 addresses, global or unique-local IPv6
// addresses, and link-local IPv6 ones only if there is no other IPv6.
func (d *Discoverer) announceAddrs(ifaces []net.Interface) []netip.Addr {
	var v4, v6, ll []netip.Addr
	consider := func(a netip.Addr) {
		a = a.Unmap().WithZone("")
		switch {
		case !a.IsValid() || a.IsLoopback() || a.IsUnspecified() || a.IsMulticast():
		case a.Is4():
			v4 = append(v4, a)
		case a.IsLinkLocalUnicast():
			ll = append(ll, a)
		default:
			v6 = append(v6, a)
		}
	}
	if len(d.cfg.Addrs) > 0 {
		for _, a := range d.cfg.Addrs {
			consider(a)
		}
	} else {
		for _, ifi := range ifaces {
			as, err := ifi.Addrs()
			if err != nil {
				continue
			}
			for _, a := range as {
				if ipn, ok := a.(*net.IPNet); ok {
					ip, _ := netip.AddrFromSlice(ipn.IP)
					consider(ip)
				}
			}
		}
	}
	if len(v6) == 0 {
		v6 = ll
	}
	switch d.cfg.Network {
	case "ip4":
		v6 = nil
	case "ip6":
		v4 = nil
	}
	out := slices.Concat(v4, v6)
	slices.SortStableFunc(out, func(a, b netip.Addr) int {
		if a.Is4() != b.Is4() {
			if a.Is4() {
				return -1
			}
			return 1
		}
		return a.Compare(b)
	})
	return slices.Compact(out)
}

// linkLocalZone names the interface link-local peer addresses belong to:
// the only non-loopback interface, or "" when there are several (zeroconf
// does not say which one an answer came in on).
func linkLocalZone(ifaces []net.Interface) string {
	zone := ""
	for _, ifi := range ifaces {
		if ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		if zone != "" {
			return ""
		}
		zone = ifi.Name
	}
	return zone
}

func ifaceKey(ifaces []net.Interface) string {
	names := make([]string, len(ifaces))
	for i, ifi := range ifaces {
		names[i] = fmt.Sprintf("%d:%s", ifi.Index, ifi.Name)
	}
	return strings.Join(names, ",")
}

// jitter spreads d by ±10% so the nodes' queries do not fall in step.
func jitter(d time.Duration) time.Duration {
	return d - d/10 + rand.N(d/5+1)
}
