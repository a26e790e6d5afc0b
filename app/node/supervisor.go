package node

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// service is a named part of the node that runs until its context ends.
type service struct {
	name string
	run  func(ctx context.Context) error
}

// States a service reports in /health's "services".
const (
	StateRunning  = "running"  // started, not failed since
	StateRetrying = "retrying" // failed; it starts again after a back-off
	StateStopped  = "stopped"  // returned without error, or the node is stopping
)

// supervisor runs services, each in its own goroutine, and starts a failed
// one again after a back-off that doubles from min up to max (and starts
// from min again once a run lasted longer than max).
type supervisor struct {
	log      *slog.Logger
	min, max time.Duration

	mu    sync.Mutex
	state map[string]string
}

func newSupervisor(log *slog.Logger, min, max time.Duration) *supervisor {
	return &supervisor{log: log, min: min, max: max, state: map[string]string{}}
}

// run runs every service until ctx ends and they have all returned.
func (s *supervisor) run(ctx context.Context, services ...service) {
	var wg sync.WaitGroup
	for _, sv := range services {
		wg.Go(func() { s.keep(ctx, sv) })
	}
	wg.Wait()
}

func (s *supervisor) keep(ctx context.Context, sv service) {
	defer s.set(sv.name, StateStopped)
	wait := s.min
	for ctx.Err() == nil {
		s.set(sv.name, StateRunning)
		began := time.Now()
		err := sv.run(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			s.log.Info("service finished", "service", sv.name)
			return
		}
		if time.Since(began) > s.max {
			wait = s.min
		}
		s.set(sv.name, StateRetrying)
		s.log.Error("service failed; starting it again", "service", sv.name, "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, s.max)
	}
}

func (s *supervisor) set(name, state string) {
	s.mu.Lock()
	s.state[name] = state
	s.mu.Unlock()
}

// states is each service's state, for /health.
func (s *supervisor) states() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.state) == 0 {
		return nil
	}
	out := make(map[string]string, len(s.state))
	for k, v := range s.state {
		out[k] = v
	}
	return out
}
