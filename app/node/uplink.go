package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/store"
	"xaso/sync/uplink"
)

// Hub configures the link to the provincial hub (DESIGN §5, §8: serve
// --hub URL, XASO_ENROL_TOKEN).
type Hub struct {
	URL string // --hub: https://… (or http:// to a reverse proxy); empty: no hub
	// CAFile (--hub-ca): PEM certificates trusted for an https hub instead of
	// the system's roots: the province's CA, or the hub's own certificate
	// (pinned). Empty: the system's roots.
	CAFile string
	Token  string // XASO_ENROL_TOKEN: used once, on first contact
	// Interval between syncs once drained and the least back-off after a
	// failure; zero: 30 s and 2 s (LAN.Fast: 1 s and 200 ms).
	Interval, MinBackoff, MaxBackoff time.Duration
}

// rebuilding reports whether this PC starts empty to rebuild its office
// from the hub: no commune yet, a hub and a token given, no --commune.
func rebuilding(cfg Config, st *store.Store) bool {
	if cfg.Hub.URL == "" || cfg.Hub.Token == "" || cfg.Commune != "" {
		return false
	}
	_, ok, err := st.Commune()
	return err == nil && !ok
}

// openUplink builds the uplink service when a hub is set. It runs on the
// office's Raft leader, or on a PC alone; the hub's commands go through log
// (Raft when clustered) like the office's own.
func (n *Node) openUplink(log app.Log) (*uplink.Uplink, error) {
	h := n.cfg.Hub
	if h.URL == "" {
		return nil, nil
	}
	interval, minBackoff, maxBackoff := h.Interval, h.MinBackoff, h.MaxBackoff
	if n.cfg.LAN.Fast {
		interval, minBackoff = cmpOr(interval, time.Second), cmpOr(minBackoff, 200*time.Millisecond)
		maxBackoff = cmpOr(maxBackoff, 2*time.Second)
	}
	client, err := hubClient(h.CAFile)
	if err != nil {
		return nil, err
	}
	return uplink.New(uplink.Config{Hub: h.URL, Token: h.Token, Source: n.Store, Log: log, Blobs: n.Blobs, Client: client,
		Leader: n.leads, Version: n.cfg.Version, Now: n.cfg.Now, Logger: n.cfg.Logger,
		Interval: interval, MinBackoff: minBackoff, MaxBackoff: maxBackoff,
		NewCommand: func(kind string, body app.Body) (app.Command, error) {
			at := n.clock.Next()
			return app.NewCommand(app.RandomID(), kind, "system", n.Store.NodeID(), at, body)
		}})
}

// hubClient is the uplink's HTTP client: the system's roots, or only the
// certificates of caFile.
func hubClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, app.Errorf(app.EInvalid, "hub-ca", "Không đọc được tệp chứng thư của máy chủ tỉnh (--hub-ca): %v", "cannot read --hub-ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, app.Errorf(app.EInvalid, "hub-ca", "Tệp --hub-ca không chứa chứng thư PEM nào.", "--hub-ca holds no PEM certificate")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: 60 * time.Second, Transport: tr}, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// leads reports whether this PC runs the office's uplink: alone, or the
// cluster's leader. A PC with the LAN on and no other PC is the leader of
// a cluster of one, whose State is "alone": it leads all the same.
func (n *Node) leads() bool {
	cl := n.Cluster()
	return cl == nil || cl.IsLeader()
}

// uplinkHealth is /health's uplink. Its unsent is the commands waiting to
// go up, read from this PC's index of them (the same on every PC of the
// office): true before enrolment, with no hub set, and on a PC that does
// not run the uplink, where the uplink's own figure is 0 or what the
// office last told the hub.
func (n *Node) uplinkHealth() api.UplinkState {
	var out api.UplinkState
	if n.up != nil {
		s := n.up.Status()
		out = api.UplinkState{Configured: true, Online: s.Online, Unsent: s.Unsent, Problem: s.Problem}
		if !s.LastSync.IsZero() {
			t := s.LastSync.In(app.VN())
			out.LastSync = &t
			off := s.SkewMS
			out.HubOffsetMS = &off
		}
	}
	if _, waiting, err := n.Store.Unsent("", 0); err == nil {
		out.Unsent = waiting
	} else {
		n.cfg.Logger.Warn("health: cannot count the commands waiting for the hub", "err", err)
	}
	return out
}

// kickLog tells the uplink that the office wrote commands to send.
type kickLog struct {
	app.Log
	up *uplink.Uplink
}

func (l kickLog) Append(ctx context.Context, cmds ...app.Command) error {
	err := l.Log.Append(ctx, cmds...)
	if err == nil {
		l.up.Kick()
	}
	return err
}

// slotGate lets a PC lease number slots only when it is entitled to final
// codes (app.ProvisionalReason): with a hub, once its office is enrolled
// (the hub grants the commune's slots to its installations); without, when
// it is the office's founding PC or has met its office (the founder's setup
// command comes with the office's commands). Any other PC issues
// provisional codes. On a PC rebuilt from the hub, the slots the lost
// office's PCs held move to it when it finds none free (their holders are
// gone; the hub granted those slots to the installation, not to them).
type slotGate struct {
	st    *store.Store
	hub   bool                               // a hub is configured
	inner app.Leaser                         // the cluster, or nil alone
	local func(context.Context) (int, error) // the service's LeaseLocal, alone
	log   app.Log                            // the office's log, for the releases
	clock *app.Clock
}

// provisionalReason is app.ProvisionalReason for this PC now.
func provisionalReason(st *store.Store, hub bool) (string, error) {
	conf, _, err := st.Commune()
	if err != nil {
		return "", err
	}
	_, enrolled, err := st.Installation()
	if err != nil {
		return "", err
	}
	return app.ProvisionalReason(app.CodeStanding{Founded: conf.Founder != "", Hub: hub, Enrolled: enrolled}), nil
}

func (g *slotGate) Lease(ctx context.Context) (int, error) {
	if reason, err := provisionalReason(g.st, g.hub); err != nil {
		return 0, app.Internal(err)
	} else if reason != "" {
		return 0, app.ProvisionalError(reason)
	}
	if g.hub {
		if err := g.takeOverLost(ctx); err != nil {
			return 0, err
		}
	}
	if g.inner != nil {
		return g.inner.Lease(ctx)
	}
	return g.local(ctx)
}

// takeOverLost releases the slots the replaced office's PCs hold when no
// slot is free.
func (g *slotGate) takeOverLost(ctx context.Context) error {
	lost, err := g.st.Replaced()
	if err != nil || len(lost) == 0 {
		return err
	}
	slots, err := g.st.Slots()
	if err != nil {
		return app.Internal(err)
	}
	if _, _, err := app.FreeSlot(slots, g.st.NodeID()); err == nil {
		return nil // a slot is free: nothing to take over
	}
	var cmds []app.Command
	for _, l := range slots {
		if slices.Contains(lost, l.Holder) {
			c, err := app.NewCommand(app.RandomID(), app.KindSlotRelease, "system", g.st.NodeID(), g.clock.NextAfter(l.LastAt),
				&app.SlotBody{Slot: l.Slot, Node: l.Holder})
			if err != nil {
				return app.Internal(err)
			}
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	if err := g.log.Append(ctx, cmds...); err != nil {
		return fmt.Errorf("take over the lost office's number slots: %w", err)
	}
	return nil
}

// withHubClock joins the hub's clock to the peers' in the clock check
// (DESIGN §7): the hub counts as one more peer.
func withHubClock(c *api.ClockState, u api.UplinkState) *api.ClockState {
	if u.HubOffsetMS == nil {
		return c
	}
	hub := *u.HubOffsetMS
	if c == nil {
		return &api.ClockState{OffsetMS: hub, Peers: 1, HubOffsetMS: &hub}
	}
	out := *c
	out.OffsetMS = (c.OffsetMS*int64(c.Peers) + hub) / int64(c.Peers+1)
	out.Peers++
	out.HubOffsetMS = &hub
	return &out
}
