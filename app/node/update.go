package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/store"
	"xaso/sync/cluster"
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
	interval, grace := n.cfg.Update.Interval, time.Duration(0)
	if n.cfg.LAN.Fast {
		interval, grace = cmpOr(interval, time.Second), 30*time.Second
	}
	inst, err := n.installConfig()
	if err != nil {
		return nil, err
	}
	return update.NewService(update.ServiceConfig{Trust: trust, Leader: n.leads, Version: n.cfg.Version,
		Interval: interval, Now: n.cfg.Now, Logger: n.cfg.Logger.With("service", "update"), Install: inst,
		Has: n.Store.HasCommands, Sources: n.updateSources, PeerGrace: grace, Downloader: n.downloads,
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
	// Bound is how long a new program has to pass its check; 0: 60 s
	// (LAN.Fast: 20 s).
	Bound time.Duration
	// Allowed says when a PC may restart into a new program on its own;
	// nil: outside office hours (update.OutsideOfficeHours).
	Allowed func(time.Time) bool

	trial   bool   // this start is the first of an install's trial (Run)
	restart func() // stops the node to restart it (Run); nil: no binary installs (Open alone)
}

// installConfig lets the update service install the program when the node
// runs as a program (Run), not inside a test's Open.
func (n *Node) installConfig() (*update.InstallConfig, error) {
	u := n.cfg.Update
	if u.restart == nil {
		return nil, nil
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return nil, fmt.Errorf("update: the running program: %w", err)
	}
	bound := u.Bound
	if bound == 0 && n.cfg.LAN.Fast {
		bound = 20 * time.Second
	}
	allowed := u.Allowed
	if allowed == nil {
		allowed = update.OutsideOfficeHours
	}
	return &update.InstallConfig{Exe: exe, Args: os.Args[1:], Env: os.Environ(), Bound: bound, Trial: u.trial,
		Allowed: func(time.Time) bool { return allowed(n.cfg.Now()) },
		Members: func() int { return clusterHealth(n).Members },
		Check:   n.selfCheck, Restart: u.restart}, nil
}

// selfCheck is a new program's check of itself: the store is open and
// sound, the API answers on its address, and the PC is back in an office
// of at least members PCs (a PC alone passes alone).
func (n *Node) selfCheck(ctx context.Context, members int) error {
	if p := n.Store.Problem(); p != "ok" {
		return fmt.Errorf("store: %s", p)
	}
	if n.listen == "" {
		return errors.New("not serving yet")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.listen+"/api/v1/health", nil)
	if err != nil {
		return err
	}
	c := &http.Client{Timeout: 2 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("API: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("API answers %s", res.Status)
	}
	if members > 1 {
		cl := clusterHealth(n)
		if (cl.State != "leader" && cl.State != "follower") || cl.Members < members {
			return fmt.Errorf("cluster: %s with %d of %d PCs", cl.State, cl.Members, members)
		}
	}
	return nil
}

// signedOnly is the log the uplink applies the hub's commands through when
// updates are on: a catalog or calendar that is not a signed target is
// refused — kept in its place, under its ID, as an audit record of the
// refusal, so the office's pull cursor moves past it and the admin sees it.
// The rest passes.
type signedOnly struct {
	app.Log
	n *Node
}

func (l signedOnly) Append(ctx context.Context, cmds ...app.Command) error {
	out := make([]app.Command, 0, len(cmds))
	for _, c := range cmds {
		// Every catalog or calendar coming down this log is the hub's: the
		// signed ones reach the office's own log through the updater.
		if c.Kind == app.KindCatalogPublish || c.Kind == app.KindCalendarPublish {
			l.n.cfg.Logger.Warn("unsigned catalog or calendar from the hub refused: they come as signed updates",
				"command", c.ID, "kind", c.Kind, "code", update.EBadSignature)
			r, err := app.NewCommand(c.ID, app.KindAudit, c.Actor, c.Node, c.At, &app.AuditBody{Event: app.AuditUpdateRefused,
				Detail: c.Kind + " " + update.EBadSignature + ": not a signed update target"})
			if err != nil {
				return err
			}
			c = r
		}
		out = append(out, c)
	}
	return l.Log.Append(ctx, out...)
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

// downloads says whether this PC downloads a new program from the hub for
// its office: the PC with the smallest node ID among the members (alone:
// itself). The others take it from a PC that has it.
func (n *Node) downloads() bool {
	cl := n.Cluster()
	if cl == nil {
		return true
	}
	for _, id := range cl.OtherMembers() {
		if id < n.Store.NodeID() {
			return false
		}
	}
	return true
}

// updateSources are the office's other PCs, asked for a target before the
// hub (over the cluster's TLS); none for a PC alone.
func (n *Node) updateSources() []update.Source {
	if cl := n.Cluster(); cl != nil {
		return []update.Source{clusterSource{cl}}
	}
	return nil
}

type clusterSource struct{ cl *cluster.Cluster }

func (c clusterSource) FetchTarget(ctx context.Context, sha256 string, _ int64) ([]byte, error) {
	b, _, err := c.cl.FetchFile(ctx, sha256)
	return b, err
}

// sharedBlobs serves the peers' file requests from the attachment files
// and, for a file that is not one, from the verified update targets.
type sharedBlobs struct {
	*store.Blobs
	n *Node
}

func (b sharedBlobs) Blob(hash string) (io.ReadCloser, error) {
	rc, err := b.Blobs.Blob(hash)
	if err == nil || b.n.upd == nil {
		return rc, err
	}
	if rc, uerr := b.n.upd.Blob(hash); uerr == nil {
		return rc, nil
	}
	return nil, err
}
