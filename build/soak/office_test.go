package soak

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Bringing the province up, back up after the faults, and to quiet.

// startAll starts the hub, enrols every commune, and starts each office:
// its first PC, the desk official, then the other PCs, which join it.
func (p *province) startAll() error {
	if err := p.hub.start(); err != nil {
		return err
	}
	for _, c := range p.communes {
		var out struct {
			Token string `json:"token"`
		}
		if err := p.hub.call("POST", "/api/v1/communes/"+c.code+"/enrolments", nil, &out); err != nil {
			return fmt.Errorf("enrol %s: %w", c.code, err)
		}
		c.enrol = out.Token
	}
	var wg sync.WaitGroup
	errs := make([]error, len(p.communes))
	for i, c := range p.communes {
		wg.Go(func() { errs[i] = c.start() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *commune) start() error {
	first := c.pcs[0]
	if err := first.start(60 * time.Second); err != nil {
		return fmt.Errorf("pc %s: %w", first.name, err)
	}
	st, raw, err := do(first.client, first.url, "", "POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": adminPassword}, "")
	if err != nil || st != 201 {
		return fmt.Errorf("pc %s: admin sign-in: %d %v %s", first.name, st, err, raw)
	}
	first.token = jsonField(raw, "token")
	if err := first.call("POST", "/api/v1/users", map[string]any{"username": "motcua", "password": deskPassword,
		"full_name": "Nguyễn Thị Một Cửa", "roles": []string{"admin", "receiver", "specialist", "leader"}}, nil); err != nil {
		return fmt.Errorf("pc %s: desk official: %w", first.name, err)
	}
	for _, x := range c.pcs[1:] {
		if err := x.start(60 * time.Second); err != nil {
			return fmt.Errorf("pc %s: %w", x.name, err)
		}
	}
	for _, x := range c.pcs {
		if err := until(90*time.Second, func() error { return x.signIn() }); err != nil {
			return fmt.Errorf("pc %s: desk sign-in: %w", x.name, err)
		}
	}
	return until(90*time.Second, func() error {
		for _, x := range c.pcs {
			var s clusterStatus
			if err := x.call("GET", "/api/v1/cluster", nil, &s); err != nil {
				return err
			}
			if len(c.pcs) > 1 && (s.Cluster == nil || len(s.Cluster.Members) != len(c.pcs) || s.Cluster.Leader == "") {
				return fmt.Errorf("pc %s: cluster %+v", x.name, s.Cluster)
			}
		}
		return nil
	})
}

// ensureUp starts what is not running (after the heal every process should
// be; one whose restart failed is tried again here).
func (p *province) ensureUp() error {
	var errs []error
	if h := p.hub.process(); h == nil || h.Exited() {
		p.ev.add("hub", "not running after the heal: starting it")
		errs = append(errs, p.hub.start())
	}
	for _, x := range p.pcs() {
		if !x.running() {
			p.ev.add("pc "+x.name, "not running after the heal: starting it")
			errs = append(errs, x.start(120*time.Second))
		}
	}
	return errors.Join(errs...)
}

type clusterStatus struct {
	State        string `json:"state"`
	Unreplicated int    `json:"unreplicated"`
	StateHash    string `json:"state_hash"`
	Cluster      *struct {
		Leader   string `json:"leader"`
		Commands int    `json:"commands"`
		Members  []struct {
			NodeID string `json:"node_id"`
		} `json:"members"`
	} `json:"cluster"`
}

type nodeHealth struct {
	Status  string `json:"status"`
	Store   string `json:"store"`
	Version string `json:"version"`
	Uplink  struct {
		Online  bool   `json:"online"`
		Unsent  int    `json:"unsent"`
		Problem string `json:"problem"`
	} `json:"uplink"`
}

// waitQuiet waits until every office's PCs hold one state, nothing is
// left to replicate or to send, and the hub holds the same state; it
// returns how long that took.
func (p *province) waitQuiet(timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	for _, x := range p.pcs() { // a restarted PC has a new session store only if its disk lost it
		until(20*time.Second, x.signIn)
	}
	err := until(timeout, func() error {
		for _, c := range p.communes {
			if err := c.quiet(p.hub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil { // what each PC says of itself, for the event log
		for _, x := range p.pcs() {
			_, raw, herr := do(x.client, x.url, "", "GET", "/api/v1/health", nil, "")
			p.ev.add("pc "+x.name, "health when not quiet: %s %v", raw, herr)
		}
	}
	return time.Since(t0), err
}

func (c *commune) quiet(h *hub) error {
	hash := ""
	for _, x := range c.pcs {
		var s clusterStatus
		if err := x.call("GET", "/api/v1/cluster?state_hash=1", nil, &s); err != nil {
			return fmt.Errorf("pc %s: %w", x.name, err)
		}
		if s.Unreplicated != 0 {
			return fmt.Errorf("pc %s: %d unreplicated", x.name, s.Unreplicated)
		}
		var hl nodeHealth
		if err := x.call("GET", "/api/v1/health", nil, &hl); err != nil {
			return err
		}
		if hl.Uplink.Unsent != 0 {
			return fmt.Errorf("pc %s: %d unsent to the hub (%s)", x.name, hl.Uplink.Unsent, hl.Uplink.Problem)
		}
		if hash == "" {
			hash = s.StateHash
		} else if s.StateHash != hash {
			return fmt.Errorf("commune %s: pc %s state %.12s, pc %s %.12s", c.code, x.name, s.StateHash, c.pcs[0].name, hash)
		}
	}
	var hc struct {
		StateHash string `json:"state_hash"`
	}
	if err := h.call("GET", "/api/v1/communes/"+c.code+"?state_hash=1", nil, &hc); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if hc.StateHash != hash {
		return fmt.Errorf("commune %s: hub state %.12s, office %.12s", c.code, hc.StateHash, hash)
	}
	return nil
}

// until calls f every 250 ms until it returns nil or timeout passes.
func until(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// jsonField reads one string field of a JSON object ("" when absent).
func jsonField(raw []byte, name string) string {
	var m map[string]any
	json.Unmarshal(raw, &m)
	s, _ := m[name].(string)
	return s
}
