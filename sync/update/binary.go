package update

import (
	"context"
	"errors"
	"os"
	"runtime"
	"time"

	"xaso/app"
)

// InstallConfig lets the service install new versions of the program.
type InstallConfig struct {
	Exe  string   // the running program's path
	Args []string // its arguments, to start it again the same way
	Env  []string
	// Allowed says whether a PC may restart now on its own (outside office
	// hours); nil: OutsideOfficeHours.
	Allowed func(time.Time) bool
	// Bound is how long the new program has to pass its check; 0: 60 s.
	Bound time.Duration
	// Members is the office's PCs now (0: alone), for the check after.
	Members func() int
	// Check probes the running node once: nil when its store is open, its
	// API answers and it is back in an office of members PCs.
	Check func(ctx context.Context, members int) error
	// Restart asks the node to stop; the node calls AfterStop once closed.
	Restart func()
	Swapper Swapper // nil: DefaultSwapper
	Trial   bool    // this start is the first of a trial (Boot said so)
}

// OutsideOfficeHours: a PC restarts on its own only before 07:00, after
// 18:00 (Vietnam time) or on Saturday and Sunday.
func OutsideOfficeHours(t time.Time) bool {
	t = t.In(app.VN())
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return true
	}
	return t.Hour() < 7 || t.Hour() >= 18
}

func (s *Service) installDir() string { return s.cfg.Trust.cfg.Dir }

// binary stages a newer program for this platform and installs it when
// allowed.
func (s *Service) binary(ctx context.Context, rel *Release) error {
	in := s.cfg.Install
	path := BinaryPath(runtime.GOOS, runtime.GOARCH)
	var it *Target
	for i := range rel.Items {
		if rel.Items[i].Path == path {
			it = &rel.Items[i]
		}
	}
	if it == nil || it.SHA256 == s.running {
		s.mu.Lock()
		s.status.Available = ""
		s.mu.Unlock()
		return nil
	}
	if rec, ok, _ := ReadRecord(s.installDir()); ok && rec.State == RecordRolledBack && rec.SHA256 == it.SHA256 {
		s.mu.Lock()
		s.status.State, s.status.Problem = StateRolledBack, rec.Problem
		s.mu.Unlock()
		return nil // that version failed here: wait for another
	}
	s.mu.Lock()
	s.status.Available = it.Version
	now := s.installNow
	s.mu.Unlock()
	staged := in.Exe + ".new"
	if FileSHA256(staged) != it.SHA256 {
		s.note(Event{State: StateDownloading, Target: it.Path, Version: it.Version})
		sources := s.cfg.Sources()
		if s.waitForPeers(it.SHA256, len(sources)) {
			sources = append(sources, noHub) // one download per office: the leader's
		}
		b, origin, err := rel.Fetch(ctx, it.Path, sources...)
		if errors.Is(err, errNotOnPeers) {
			return nil // not yet: at the next check
		}
		if err == nil {
			_, err = Stage(in.Exe, b)
		}
		if err != nil {
			e := Explain(err)
			s.note(Event{State: StateRefused, Target: it.Path, Version: it.Version, Problem: e.Code, Detail: e.English})
			return nil
		}
		s.note(Event{State: StateStaged, Target: it.Path, Version: it.Version, Detail: "from " + string(origin)})
	} else if st := s.Status().State; st != StateStaged {
		s.note(Event{State: StateStaged, Target: it.Path, Version: it.Version})
	}
	if !now && !in.Allowed(s.cfg.Now()) {
		return nil
	}
	return s.install(*it, staged)
}

// waitForPeers says whether this PC, not the leader, should still wait
// for a peer to hold the target rather than download it from the hub.
func (s *Service) waitForPeers(sha string, peers int) bool {
	if peers == 0 || s.cfg.Leader() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first, ok := s.firstSeen[sha]
	if !ok {
		first = s.cfg.Now()
		s.firstSeen[sha] = first
	}
	return s.cfg.Now().Sub(first) < s.cfg.PeerGrace
}

// install swaps the staged program in, starts the watchdog and asks the
// node to restart.
func (s *Service) install(it Target, staged string) error {
	in := s.cfg.Install
	rec := Record{State: RecordTrial, Target: it.Path, SHA256: it.SHA256, Version: it.Version, From: s.cfg.Version,
		Exe: in.Exe, Old: in.Exe + ".old", Args: in.Args, Members: in.Members(), Bound: in.Bound}
	if err := WriteRecord(s.installDir(), rec); err != nil {
		return err
	}
	if err := Swap(in.Exe, staged, rec.Old); err != nil {
		os.Remove(s.installDir() + "/" + recordFile)
		e := Explain(err)
		s.note(Event{State: StateRefused, Target: it.Path, Version: it.Version, Problem: e.Code, Detail: err.Error()})
		return err
	}
	// The previous program watches the trial from outside.
	if _, err := Spawn(rec.Old, []string{"update-watch", "--dir", s.installDir(), "--pid", itoa(os.Getpid())}, in.Env); err != nil {
		s.cfg.Logger.Warn("update watchdog not started", "err", err)
	}
	s.mu.Lock()
	s.pending = &rec
	s.mu.Unlock()
	s.cfg.Logger.Info("update: restarting into the new program", "version", it.Version)
	in.Restart()
	return nil
}

// confirm checks the new program after a trial start: within the bound,
// installed; else failed, and the node restarts into the previous one.
func (s *Service) confirm(ctx context.Context) {
	in := s.cfg.Install
	rec, ok, err := ReadRecord(s.installDir())
	if err != nil || !ok || rec.State != RecordTrial {
		return
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	bound := time.NewTimer(rec.Bound) // a duration, not the PC's clock: it may be wrong
	defer bound.Stop()
	var last error
	for timeUp := false; !timeUp; {
		if last = in.Check(ctx, rec.Members); last == nil {
			rec.State = RecordInstalled
			if err := WriteRecord(s.installDir(), rec); err != nil {
				s.cfg.Logger.Error("update: record not written", "err", err)
			}
			s.note(Event{State: StateInstalled, Target: rec.Target, Version: rec.Version, Detail: "from " + rec.From})
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-bound.C:
			timeUp = true
		}
	}
	rec.State, rec.Problem = RecordFailed, "health_check_failed"
	if err := WriteRecord(s.installDir(), rec); err != nil {
		s.cfg.Logger.Error("update: record not written", "err", err)
	}
	s.cfg.Logger.Error("update: the new program failed its check; rolling back", "err", last)
	s.mu.Lock()
	s.pending = &rec
	s.mu.Unlock()
	in.Restart()
}

// AfterStop is called by the node once stopped and closed: it starts the
// program the service asked for (the new one in trial, or the previous
// one after a failed check). It returns nil when nothing was asked;
// ErrRelaunched when the caller must exit (Windows).
func (s *Service) AfterStop(env []string) error {
	s.mu.Lock()
	rec := s.pending
	s.mu.Unlock()
	if rec == nil {
		return nil
	}
	sw := s.cfg.Install.Swapper
	if rec.State == RecordFailed {
		if err := Restore(rec.Exe, rec.Old); err != nil {
			return err
		}
		rec.State = RecordRolledBack
		if err := WriteRecord(s.installDir(), *rec); err != nil {
			return err
		}
	}
	err := sw.Relaunch(rec.Exe, rec.Args, env)
	if err == nil {
		return ErrRelaunched
	}
	if rec.State != RecordTrial { // the previous program does not start either: nothing more to try
		return err
	}
	// The new program does not even start (not an executable here): back.
	s.cfg.Logger.Error("update: the new program does not start; rolling back", "err", err)
	if rerr := Restore(rec.Exe, rec.Old); rerr != nil {
		return rerr
	}
	rec.State, rec.Problem = RecordRolledBack, "does_not_start"
	if werr := WriteRecord(s.installDir(), *rec); werr != nil {
		return werr
	}
	if err := sw.Relaunch(rec.Exe, rec.Args, env); err != nil {
		return err
	}
	return ErrRelaunched
}

// InstallNow installs an available binary at once (the admin's "install
// now"); 409 when there is none.
func (s *Service) InstallNow(ctx context.Context) error {
	s.mu.Lock()
	avail := s.status.Available
	if s.cfg.Install != nil && avail != "" {
		s.installNow = true
	}
	s.mu.Unlock()
	if s.cfg.Install == nil || avail == "" {
		return app.Errorf(app.ETransition, "", "Không có bản chương trình mới nào chờ cài.", "no new program version waits to be installed")
	}
	s.Kick()
	return nil
}

func itoa(n int) string {
	return string(appendInt(nil, n))
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
