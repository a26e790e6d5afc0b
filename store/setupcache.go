package store

import (
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// Every request reads its user (the sign-in check, the names on the
// answer) and a receipt the commune: the same few values, changed only by
// setup commands. setupCache keeps what was read, keyed by the setup
// generation: a fold that commits a setup command (or a state snapshot
// installed) raises it, and the next read starts afresh. A value read from
// bbolt while a fold commits is kept under the generation read before it:
// the next read sees the raised one and drops it.
type setupCache struct {
	mu      sync.Mutex
	gen     uint64
	users   map[string]app.User
	commune *communeRead
}

type communeRead struct {
	c  app.CommuneConfig
	ok bool
}

// at returns the cache for gen, emptied when gen moved; c.mu is held.
func (c *setupCache) at(gen uint64) {
	if c.gen != gen || c.users == nil {
		c.gen, c.users, c.commune = gen, map[string]app.User{}, nil
	}
}

// isSetup reports whether a command changes what setupCache keeps, or
// what viewSetup reads: every kind but dossiers and the audit log, and
// kinds from a newer version (body nil).
func isSetup(c app.Command, body app.Body) bool {
	k, _ := app.LookupKind(c.Kind)
	return body == nil || (k.Target != app.TargetDossier && k.Target != app.TargetAudit && k.Target != app.TargetUplinkSent)
}

// User returns the user named username.
func (s *Store) User(username string) (app.User, error) {
	s.caughtUp(true)
	gen := s.setupGen.Load()
	s.setupC.mu.Lock()
	s.setupC.at(gen)
	u, ok := s.setupC.users[username]
	s.setupC.mu.Unlock()
	if ok {
		u.Roles, u.Conflicts = slices.Clone(u.Roles), slices.Clone(u.Conflicts)
		return u, nil
	}
	err := s.viewNow(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx, bUsers, []byte(username), &u)
		if err == nil && (!ok || u.Username == "") {
			err = notFound("người dùng", "user")
		}
		return err
	})
	if err == nil {
		s.setupC.mu.Lock()
		s.setupC.at(gen)
		s.setupC.users[username] = u
		s.setupC.mu.Unlock()
		u.Roles, u.Conflicts = slices.Clone(u.Roles), slices.Clone(u.Conflicts)
	}
	return u, err
}

// Commune returns the commune's configuration; ok is false before setup.
func (s *Store) Commune() (app.CommuneConfig, bool, error) {
	s.caughtUp(true)
	gen := s.setupGen.Load()
	s.setupC.mu.Lock()
	s.setupC.at(gen)
	cr := s.setupC.commune
	s.setupC.mu.Unlock()
	if cr != nil {
		return cr.c, cr.ok, nil
	}
	var c app.CommuneConfig
	var ok bool
	err := s.viewNow(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx, bConfig, []byte("commune"), &c)
		return err
	})
	if err == nil {
		s.setupC.mu.Lock()
		s.setupC.at(gen)
		s.setupC.commune = &communeRead{c: c, ok: ok}
		s.setupC.mu.Unlock()
	}
	return c, ok, err
}
