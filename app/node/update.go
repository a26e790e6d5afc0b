package node

import (
	"context"
	"path/filepath"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/sync/update"
)

// Updates from provincial IT (DESIGN §6, docs/updates.md): with a hub and
// a root of trust in the data folder (DATA/update/root.json, installed
// from the binary when it ships one), the node runs the `update` service.
// The catalog and the calendar reach the office only as signed targets:
// the hub's unsigned catalog.publish / calendar.publish commands are
// refused (signedOnly), so a hub that is broken into can withhold them,
// never forge them.

// UpdateDir is the update folder of a data folder.
func UpdateDir(dataDir string) string { return filepath.Join(dataDir, "update") }

// openUpdate builds the update service when a hub and a root are set.
func (n *Node) openUpdate(log app.Log) (*update.Service, error) {
	if n.cfg.Hub.URL == "" {
		return nil, nil
	}
	dir := UpdateDir(n.cfg.Dir)
	root, err := update.InstalledRoot(dir)
	if err != nil || root == nil {
		return nil, err
	}
	mu, tu := update.HubURLs(n.cfg.Hub.URL)
	trust, err := update.NewTrust(update.Config{Dir: dir, Root: root, MetadataURL: mu, TargetsURL: tu, Now: n.cfg.Now})
	if err != nil {
		return nil, err
	}
	interval := n.cfg.Update.Interval
	if interval == 0 && n.cfg.LAN.Fast {
		interval = time.Second
	}
	return update.NewService(update.ServiceConfig{Trust: trust, Leader: n.leads, Version: n.cfg.Version,
		Interval: interval, Now: n.cfg.Now, Logger: n.cfg.Logger.With("service", "update"),
		Has: n.Store.HasCommands,
		Publish: func(ctx context.Context, id, kind string, body []byte) error {
			c, err := app.NewPublishCommand(id, kind, "province", n.Store.NodeID(), n.clock.Next(), body)
			if err != nil {
				return err
			}
			return log.Append(ctx, c)
		}})
}

// Update configures updates beyond the hub and the root.
type Update struct {
	Interval time.Duration // between checks; 0: 5 min (LAN.Fast: 1 s)
}

// signedOnly is the log the uplink applies the hub's commands through when
// updates are on: a catalog or calendar that is not a signed target is
// refused (logged, not applied). The rest passes.
type signedOnly struct {
	app.Log
	n *Node
}

func (l signedOnly) Append(ctx context.Context, cmds ...app.Command) error {
	keep := cmds[:0:0]
	for _, c := range cmds {
		if (c.Kind == app.KindCatalogPublish || c.Kind == app.KindCalendarPublish) && c.Node == "hub" {
			l.n.cfg.Logger.Warn("unsigned catalog or calendar from the hub refused: they come as signed updates",
				"command", c.ID, "kind", c.Kind, "code", update.EBadSignature)
			continue
		}
		keep = append(keep, c)
	}
	if len(keep) == 0 {
		return nil
	}
	return l.Log.Append(ctx, keep...)
}

func (n *Node) updateHealth() *api.UpdateState {
	if n.upd == nil {
		return nil
	}
	s := n.upd.Status()
	return &api.UpdateState{Current: s.Current, Available: s.Available, State: s.State, Problem: s.Problem}
}

// updateAdmin is the node's side of the update endpoints.
type updateAdmin struct{ n *Node }

func (u updateAdmin) UpdateStatus() (api.UpdateState, []api.UpdateEvent) {
	s := u.n.upd.Status()
	hist := make([]api.UpdateEvent, len(s.History))
	for i, e := range s.History {
		hist[i] = api.UpdateEvent{At: e.At.In(app.VN()), State: e.State, Target: e.Target, Version: e.Version, Problem: e.Problem, Detail: e.Detail}
	}
	return api.UpdateState{Current: s.Current, Available: s.Available, State: s.State, Problem: s.Problem}, hist
}

func (u updateAdmin) InstallNow(ctx context.Context) error {
	return u.n.upd.InstallNow(ctx)
}
