package node

import (
	"context"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/store"
	"xaso/sync/uplink"
)

// Hub configures the link to the provincial hub (DESIGN §5, §8: serve
// --hub URL, XASO_ENROL_TOKEN).
type Hub struct {
	URL   string // --hub: https://… (or http:// to a reverse proxy); empty: no hub
	Token string // XASO_ENROL_TOKEN: used once, on first contact
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
	return uplink.New(uplink.Config{Hub: h.URL, Token: h.Token, Source: n.Store, Log: log, Blobs: n.Blobs,
		Leader: n.leads, Version: n.cfg.Version, Now: n.cfg.Now, Logger: n.cfg.Logger,
		Interval: interval, MinBackoff: minBackoff, MaxBackoff: maxBackoff,
		NewCommand: func(kind string, body app.Body) (app.Command, error) {
			at := n.clock.Next()
			return app.NewCommand(app.RandomID(), kind, "system", n.Store.NodeID(), at, body)
		}})
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

func (n *Node) uplinkHealth() api.UplinkState {
	if n.up == nil {
		return api.UplinkState{}
	}
	s := n.up.Status()
	out := api.UplinkState{Configured: true, Online: s.Online, Unsent: s.Unsent, Problem: s.Problem}
	if !s.LastSync.IsZero() {
		t := s.LastSync.In(app.VN())
		out.LastSync = &t
		off := s.SkewMS
		out.HubOffsetMS = &off
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

// hubGate lets a PC of a province with a hub lease number slots only once
// its office is enrolled: the hub grants the commune's slots to its
// installations, so a PC that has met neither its office (the identity
// comes with the office's commands) nor the hub issues provisional codes.
type hubGate struct {
	st    *store.Store
	inner app.Leaser                         // the cluster, or nil alone
	local func(context.Context) (int, error) // the service's LeaseLocal, alone
}

var errNotEnrolledYet = app.Errorf(app.EUnavailable, "", "Văn phòng chưa đăng ký với máy chủ tỉnh nên chưa có dải số hồ sơ chính thức; máy cấp mã tạm.",
	"the office is not enrolled with the hub yet, so it has no official number slots: provisional codes")

func (g *hubGate) Lease(ctx context.Context) (int, error) {
	if _, ok, err := g.st.Installation(); err != nil {
		return 0, app.Internal(err)
	} else if !ok {
		return 0, errNotEnrolledYet
	}
	if g.inner != nil {
		return g.inner.Lease(ctx)
	}
	return g.local(ctx)
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
