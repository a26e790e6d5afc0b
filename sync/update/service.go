package update

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"xaso/app"
)

// States of the update service, as /health and the admin see them.
const (
	StateIdle        = "idle"        // nothing newer than what runs
	StateAvailable   = "available"   // a newer binary is signed and waits (for the night, or "install now")
	StateDownloading = "downloading" // fetching a verified target
	StateStaged      = "staged"      // the new binary lies beside the running one, verified
	StateInstalled   = "installed"   // the new binary runs and passed its check
	StateRolledBack  = "rolled_back" // the new binary failed its check: the previous one runs again
	StateRefused     = "refused"     // the last refresh or target was refused (see problem)
)

// Event is one line of the update history.
type Event struct {
	At      time.Time `json:"at"`
	State   string    `json:"state"`
	Target  string    `json:"target,omitempty"`
	Version string    `json:"version,omitempty"`
	Problem string    `json:"problem,omitempty"` // a coded refusal (update_bad_signature, …)
	Detail  string    `json:"detail,omitempty"`
}

// Status is the service's part of /health and GET /api/v1/update.
type Status struct {
	Current   string    `json:"current"`
	Available string    `json:"available,omitempty"`
	State     string    `json:"state"`
	Problem   string    `json:"problem,omitempty"`
	LastCheck time.Time `json:"last_check,omitzero"`
	History   []Event   `json:"history,omitempty"`
}

// ServiceConfig wires the service into a node.
type ServiceConfig struct {
	Trust *Trust
	// Leader: this PC refreshes from the hub and applies data targets (the
	// office's Raft leader, or a PC alone).
	Leader func() bool
	// Publish turns a verified data target into the office's command of
	// kind (catalog.publish, calendar.publish) with id and appends it.
	Publish func(ctx context.Context, id, kind string, body []byte) error
	// Has reports which command IDs the office holds already.
	Has func(ids []string) ([]bool, error)
	// Sources are the office's PCs that may hold a target (LAN sharing).
	Sources func() []Source
	// Install installs new versions of the program; nil: data targets only.
	Install *InstallConfig
	// PeerGrace is how long a PC other than the leader waits for a peer to
	// hold a new program before it downloads it from the hub; 0: 10 min.
	PeerGrace time.Duration
	Version   string // the running program's version
	Interval  time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service refreshes the repository, applies data targets and stages and
// installs the binary. Run it under the node's supervisor.
type Service struct {
	cfg  ServiceConfig
	kick chan struct{}

	mu      sync.Mutex
	status  Status
	refused map[string]bool // data targets the domain refused (by id): not tried again
	latest  *Release

	running    string               // SHA-256 of the running program
	installNow bool                 // the admin asked: install without waiting for the night
	pending    *Record              // asked the node to restart for this
	firstSeen  map[string]time.Time // when each new program was first seen (waitForPeers)
}

// historyFile keeps the update history in the update folder.
const historyFile = "history.json"

// NewService checks the configuration.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Trust == nil || cfg.Publish == nil || cfg.Has == nil {
		return nil, fmt.Errorf("update: trust, publish and has are required")
	}
	if cfg.Leader == nil {
		cfg.Leader = func() bool { return true }
	}
	if cfg.Sources == nil {
		cfg.Sources = func() []Source { return nil }
	}
	if cfg.PeerGrace == 0 {
		cfg.PeerGrace = 10 * time.Minute
	}
	if cfg.Interval == 0 {
		cfg.Interval = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{cfg: cfg, kick: make(chan struct{}, 1), refused: map[string]bool{}, firstSeen: map[string]time.Time{},
		status: Status{Current: cfg.Version, State: StateIdle}}
	if in := cfg.Install; in != nil {
		if in.Allowed == nil {
			in.Allowed = OutsideOfficeHours
		}
		if in.Bound == 0 {
			in.Bound = time.Minute
		}
		if in.Swapper == nil {
			in.Swapper = DefaultSwapper()
		}
		if in.Members == nil {
			in.Members = func() int { return 0 }
		}
		if in.Exe == "" || in.Check == nil || in.Restart == nil {
			return nil, fmt.Errorf("update: install needs exe, check and restart")
		}
		s.running = FileSHA256(in.Exe)
	}
	if raw, err := os.ReadFile(filepath.Join(cfg.Trust.cfg.Dir, historyFile)); err == nil {
		_ = json.Unmarshal(raw, &s.status.History) // a damaged history is only history
	}
	return s, nil
}

// Status returns the service's state.
func (s *Service) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.status
	out.History = slices.Clone(s.status.History)
	return out
}

// Kick asks for a check now (after a sync with the hub, or "install now").
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run checks at every interval or kick until ctx ends. Failures are
// states, never the end of the service: the running version keeps running.
func (s *Service) Run(ctx context.Context) error {
	if in := s.cfg.Install; in != nil && in.Trial {
		in.Trial = false // once per start, not at every restart of the service
		go s.confirm(ctx)
	}
	if rec, ok, _ := ReadRecord(s.installDir()); ok && rec.State == RecordRolledBack && s.Status().State != StateRolledBack {
		s.note(Event{State: StateRolledBack, Target: rec.Target, Version: rec.Version, Problem: rec.Problem, Detail: "back to " + rec.From})
	}
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if err := s.Check(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("update check", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Check does one round: on the leader, refresh and apply data targets;
// on every PC, stage and install the binary when one is newer.
func (s *Service) Check(ctx context.Context) error {
	rel, err := s.cfg.Trust.Refresh(ctx)
	s.mu.Lock()
	s.status.LastCheck = s.cfg.Now()
	s.mu.Unlock()
	if err != nil {
		e := Explain(err)
		s.note(Event{State: StateRefused, Problem: e.Code, Detail: e.English})
		return e
	}
	s.mu.Lock()
	s.latest = rel
	if s.status.State == StateRefused {
		s.status.State, s.status.Problem = StateIdle, ""
	}
	s.mu.Unlock()
	if s.cfg.Leader() {
		if err := s.applyData(ctx, rel); err != nil {
			return err
		}
	}
	if s.cfg.Install != nil && s.pendingRestart() == nil {
		return s.binary(ctx, rel)
	}
	return nil
}

func (s *Service) pendingRestart() *Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// CommandID is the office command a data target becomes: the same on
// every PC and after a leader change, so it is applied once.
func CommandID(t Target) string { return CommandIDPrefix + t.SHA256[:40] }

// CommandIDPrefix begins the ID of every command made from a signed target.
const CommandIDPrefix = "tuf."

// The command kind of each data target kind.
var dataKinds = map[string]string{KindCatalog: app.KindCatalogPublish, KindCalendar: app.KindCalendarPublish}

func (s *Service) applyData(ctx context.Context, rel *Release) error {
	var todo []Target
	for _, it := range rel.Items {
		if _, ok := dataKinds[it.Kind]; ok && !s.isRefused(CommandID(it)) {
			todo = append(todo, it)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	ids := make([]string, len(todo))
	for i, it := range todo {
		ids[i] = CommandID(it)
	}
	have, err := s.cfg.Has(ids)
	if err != nil {
		return err
	}
	for i, it := range todo {
		if have[i] {
			continue
		}
		b, _, err := rel.Fetch(ctx, it.Path, s.cfg.Sources()...)
		if err != nil {
			e := Explain(err)
			s.note(Event{State: StateRefused, Target: it.Path, Version: it.Version, Problem: e.Code, Detail: e.English})
			continue
		}
		if err := s.cfg.Publish(ctx, ids[i], dataKinds[it.Kind], b); err != nil {
			e := app.AsError(err)
			if e.Code == app.EInvalid {
				s.mu.Lock()
				s.refused[ids[i]] = true
				s.mu.Unlock()
			}
			s.note(Event{State: StateRefused, Target: it.Path, Version: it.Version, Problem: e.Code, Detail: e.English})
			continue
		}
		s.note(Event{State: StateInstalled, Target: it.Path, Version: it.Version})
		s.cfg.Logger.Info("update applied", "target", it.Path, "version", it.Version)
	}
	return nil
}

func (s *Service) isRefused(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[id]
}

// note records an event: the state, and a line of history kept on disk
// (the last 100).
func (s *Service) note(e Event) {
	e.At = s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Target == "" || e.State == StateRefused || strings.HasPrefix(e.Target, "bin/") {
		s.status.State, s.status.Problem = e.State, e.Problem
	}
	if n := len(s.status.History); n > 0 {
		last := s.status.History[n-1]
		if last.State == e.State && last.Target == e.Target && last.Problem == e.Problem && last.Version == e.Version {
			return // the same refusal at every check is one line
		}
	}
	s.status.History = append(s.status.History, e)
	if len(s.status.History) > 100 {
		s.status.History = slices.Clone(s.status.History[len(s.status.History)-100:])
	}
	raw, err := json.MarshalIndent(s.status.History, "", " ")
	if err == nil {
		err = WriteFileSync(filepath.Join(s.cfg.Trust.cfg.Dir, historyFile), raw)
	}
	if err != nil {
		s.cfg.Logger.Warn("update history not written", "err", err)
	}
}

// Blob opens a verified target this PC holds, by its SHA-256, for a peer
// that asks (LAN sharing); an error when it holds none.
func (s *Service) Blob(sha256 string) (io.ReadCloser, error) {
	s.mu.Lock()
	rel := s.latest
	s.mu.Unlock()
	if rel != nil {
		for _, it := range rel.Items {
			if it.SHA256 != sha256 {
				continue
			}
			p := s.cfg.Trust.CachedPath(it.Path)
			if FileSHA256(p) == sha256 { // the cache holds this version, not an older or newer one
				return os.Open(p)
			}
		}
	}
	return nil, fs.ErrNotExist
}
