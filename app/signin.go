package app

import (
	"context"
	"math"
	"sync"
	"time"
)

// Sign-in guards: argon2id takes 12 MiB per hash, so a hundred
// parallel sign-ins would swell the process by over a gigabyte on a PC with
// 2 GB. Hashes wait for one of a few slots. Repeated failures, per user name
// and per client address, make the next attempt wait, doubling each time.
const (
	defaultHashSlots = 2                // one per core of the office's PCs
	userFreeFails    = 5                // failures of one user name before waits begin
	addrFreeFails    = 20               // failures from one address before waits begin
	maxUserWait      = 15 * time.Minute // the longest wait for a user name
	maxAddrWait      = 5 * time.Minute  // the longest wait for an address
	failMemory       = 30 * time.Minute // failures older than this are forgotten
	maxStrikes       = 4096             // the throttle remembers at most this many names and addresses
)

// hash and verify run the password hasher in one of the hashing slots.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.hashSlot(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSlots }()
	h, err := s.cfg.Hasher.Hash(password)
	if err != nil {
		return "", Internal(err)
	}
	return h, nil
}

func (s *Service) verify(ctx context.Context, hash, password string) (bool, error) {
	if err := s.hashSlot(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashSlots }()
	return s.cfg.Hasher.Verify(hash, password), nil
}

func (s *Service) hashSlot(ctx context.Context) error {
	select {
	case s.hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return Errorf(EUnavailable, "", "Máy đang bận, vui lòng thử lại.", "the PC is busy, please try again").WithCause(ctx.Err())
	}
}

// throttle counts recent sign-in failures by key ("user:NAME", "addr:IP").
type throttle struct {
	mu      sync.Mutex
	strikes map[string]*strike
}

type strike struct {
	fails int
	last  time.Time // the latest failure
	until time.Time // no attempt before this
}

// wait returns how long key must still wait before its next attempt.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.strikes[key]; st != nil && now.Before(st.until) {
		return st.until.Sub(now)
	}
	return 0
}

// fail records a failure of key: after free failures, each further one
// makes the next attempt wait 1 s, 2 s, 4 s … up to max. It reports whether
// a wait began.
func (t *throttle) fail(key string, now time.Time, free int, max time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.strikes == nil {
		t.strikes = map[string]*strike{}
	}
	st := t.strikes[key]
	if st == nil {
		if len(t.strikes) >= maxStrikes {
			t.forget(now)
		}
		st = &strike{}
		t.strikes[key] = st
	}
	if now.Sub(st.last) > failMemory {
		st.fails = 0
	}
	st.fails++
	st.last = now
	if over := st.fails - free; over > 0 {
		d := time.Duration(math.Pow(2, float64(min(over-1, 20)))) * time.Second
		st.until = now.Add(min(d, max))
		return true
	}
	return false
}

// clear forgets key's failures (a successful sign-in of that user).
func (t *throttle) clear(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.strikes, key)
}

// forget drops old strikes, or any when none are old: the map stays bounded
// even under a flood of made-up user names.
func (t *throttle) forget(now time.Time) {
	for k, st := range t.strikes {
		if now.After(st.until) && now.Sub(st.last) > failMemory/2 {
			delete(t.strikes, k)
		}
	}
	for k := range t.strikes {
		if len(t.strikes) < maxStrikes*3/4 {
			break
		}
		delete(t.strikes, k)
	}
}

func tooMany(d time.Duration) *Error {
	secs := int(math.Ceil(d.Seconds()))
	return Errorf(ETooMany, "", "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d giây.",
		"too many failed sign-ins; try again in %d seconds", secs)
}
