package cluster_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"xaso/sync/netns/netnstest"
)

// hubClient talks to a hub from inside the lab.
type hubClient struct {
	t      testing.TB
	url    string
	client *http.Client
	token  string
}

func (h *hubClient) do(method, path string, body any, want int) map[string]any {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if res.StatusCode != want {
		h.t.Fatalf("%s %s: %d %s (want %d)", method, path, res.StatusCode, raw, want)
	}
	return out
}

// The office's Raft leader runs the uplink; when it dies during a sync, the
// new leader carries on with the office's identity (no second enrolment)
// and its cursors: the hub ends with exactly the office's state, and an
// online dossier sent down afterwards arrives once.
func TestLANLeaderChangeDuringSync(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "uplink", 4)
	hubAddr := fmt.Sprintf("%s:8430", lab.Addr(4))
	if _, err := lab.Start(4, xasoBin(t), []string{"hub", "--data", filepath.Join(lab.Dir(), "hub"), "--listen", hubAddr},
		[]string{"XASO_HUB_ADMIN_PASSWORD=Tinh-NinhBinh-2026!"}); err != nil {
		t.Fatal(err)
	}
	hub := &hubClient{t: t, url: "http://" + hubAddr, client: lab.HTTPClient(4)}
	eventually(t, 20*time.Second, "hub answers", func() error {
		res, err := hub.client.Get(hub.url + "/api/v1/health")
		if err == nil {
			res.Body.Close()
		}
		return err
	})
	hub.token = hub.do("POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": "Tinh-NinhBinh-2026!"}, 201)["token"].(string)
	token := hub.do("POST", "/api/v1/communes/14701/enrolments", nil, 201)["token"].(string)
	var nodes []*lanNode
	for i := 1; i <= 3; i++ {
		n := newNode(t, lab, i, "--hub", hub.url)
		n.env = []string{"XASO_ENROL_TOKEN=" + token}
		nodes = append(nodes, n)
	}
	startOffice(t, nodes...)
	// hubInSync waits until the nodes and the hub hold one state.
	hubInSync := func(nodes ...*lanNode) {
		t.Helper()
		converged(t, 30*time.Second, -1, nodes...)
		eventually(t, 40*time.Second, "the hub holds the office's state", func() error {
			s, err := nodes[0].statusHash()
			if err != nil {
				return err
			}
			h := hub.do("GET", "/api/v1/communes/14701?state_hash=1", nil, 200)
			if h["state_hash"] != s.StateHash {
				return fmt.Errorf("hub %v, office %s", h["state_hash"], s.StateHash)
			}
			return nil
		})
	}
	hubInSync(nodes...)
	for _, n := range nodes { // followers too say the office is in touch with the province
		eventually(t, 20*time.Second, fmt.Sprintf("node %d's uplink status", n.i), func() error {
			var h struct {
				Uplink struct {
					Online   bool       `json:"online"`
					LastSync *time.Time `json:"last_sync"`
				} `json:"uplink"`
			}
			if _, err := n.call(t.Context(), "GET", "/api/v1/health", nil, &h); err != nil {
				return err
			}
			if !h.Uplink.Online || h.Uplink.LastSync == nil {
				return fmt.Errorf("%+v", h.Uplink)
			}
			return nil
		})
	}

	// A backlog written on the followers; the leader dies while it syncs.
	_, leaderID := formed(t, 10*time.Second, nodes...)
	leader := byID(t, leaderID, nodes...)
	rest := except(nodes, leader)
	for k := range 120 {
		rest[k%2].mustReceive(100 + k)
	}
	leader.kill()
	eventually(t, 30*time.Second, "a new leader", func() error {
		s, err := rest[0].status()
		if err != nil {
			return err
		}
		if s.Cluster.Leader == "" || s.Cluster.Leader == leaderID {
			return fmt.Errorf("leader %q", s.Cluster.Leader)
		}
		return nil
	})
	hubInSync(rest...)
	if inst := hub.do("GET", "/api/v1/communes/14701", nil, 200)["installations"].([]any); len(inst) != 1 {
		t.Fatalf("installations after a leader change: %v", inst)
	}

	// The pull cursor moved with the commands: an online dossier arrives once.
	id := hub.do("POST", "/api/v1/communes/14701/dossiers", map[string]any{"procedure_code": "1.004873",
		"applicant": map[string]any{"full_name": "Phạm Thu Hà", "id_number": "037090001234", "date_of_birth": "1990-05-01"}}, 201)["id"].(string)
	eventually(t, 30*time.Second, "the online dossier at the desk", func() error {
		var d struct {
			Status string `json:"status"`
		}
		if _, err := rest[0].call(t.Context(), "GET", "/api/v1/dossiers/"+id, nil, &d); err != nil {
			return err
		}
		if d.Status != "submitted" {
			return fmt.Errorf("status %q", d.Status)
		}
		return nil
	})
	hubInSync(rest...)
}

// The link between an office and the hub works over IPv6 alone: both
// namespaces lose their IPv4 addresses.
func TestUplinkOverIPv6Only(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "uplink6", 2)
	for i := 1; i <= 2; i++ {
		if out, err := lab.Run(i, "ip", "addr", "del", lab.Addr(i).String()+"/24", "dev", "eth0"); err != nil {
			t.Fatalf("remove IPv4 of node %d: %v %s", i, err, out)
		}
	}
	hubAddr := fmt.Sprintf("[%s]:8430", lab.Addr6(2))
	if _, err := lab.Start(2, xasoBin(t), []string{"hub", "--data", filepath.Join(lab.Dir(), "hub"), "--listen", hubAddr},
		[]string{"XASO_HUB_ADMIN_PASSWORD=Tinh-NinhBinh-2026!"}); err != nil {
		t.Fatal(err)
	}
	hub := &hubClient{t: t, url: "http://" + hubAddr, client: lab.HTTPClient(2)}
	eventually(t, 20*time.Second, "hub answers", func() error {
		res, err := hub.client.Get(hub.url + "/api/v1/health")
		if err == nil {
			res.Body.Close()
		}
		return err
	})
	hub.token = hub.do("POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": "Tinh-NinhBinh-2026!"}, 201)["token"].(string)
	token := hub.do("POST", "/api/v1/communes/14701/enrolments", nil, 201)["token"].(string)
	nodeAddr := fmt.Sprintf("[%s]:8420", lab.Addr6(1))
	if _, err := lab.Start(1, xasoBin(t), []string{"serve", "--data", filepath.Join(lab.Dir(), "office"), "--listen", nodeAddr,
		"--commune", "14701", "--agency", "000.00.31.H42", "--hub", hub.url, "--raft-fast"},
		[]string{"XASO_ADMIN_PASSWORD=" + testPassword, "XASO_ENROL_TOKEN=" + token}); err != nil {
		t.Fatal(err)
	}
	office := &hubClient{t: t, url: "http://" + nodeAddr, client: lab.HTTPClient(1)}
	eventually(t, 30*time.Second, "the office synced over IPv6", func() error {
		res, err := office.client.Get(office.url + "/api/v1/health")
		if err != nil {
			return err
		}
		defer res.Body.Close()
		var h struct {
			Uplink struct {
				LastSync *time.Time `json:"last_sync"`
			} `json:"uplink"`
		}
		if err := json.NewDecoder(res.Body).Decode(&h); err != nil || h.Uplink.LastSync == nil {
			return fmt.Errorf("not yet: %v", err)
		}
		return nil
	})
	if n := hub.do("GET", "/api/v1/communes/14701", nil, 200)["commands"].(float64); n < 2 {
		t.Fatalf("the hub holds %v commands of the office", n)
	}
}

// A one-PC office with the LAN on (the window's default) leads a cluster
// of one, which /health calls "alone": it still runs the uplink. It did
// not (it ran only on a "leader"), so such an office never reached the
// hub, as the soak found.
func TestUplinkFromOnePCOffice(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "uplink1", 2)
	hubAddr := fmt.Sprintf("%s:8430", lab.Addr(2))
	if _, err := lab.Start(2, xasoBin(t), []string{"hub", "--data", filepath.Join(lab.Dir(), "hub"), "--listen", hubAddr},
		[]string{"XASO_HUB_ADMIN_PASSWORD=Tinh-NinhBinh-2026!"}); err != nil {
		t.Fatal(err)
	}
	hub := &hubClient{t: t, url: "http://" + hubAddr, client: lab.HTTPClient(2)}
	eventually(t, 20*time.Second, "hub answers", func() error {
		res, err := hub.client.Get(hub.url + "/api/v1/health")
		if err == nil {
			res.Body.Close()
		}
		return err
	})
	hub.token = hub.do("POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": "Tinh-NinhBinh-2026!"}, 201)["token"].(string)
	token := hub.do("POST", "/api/v1/communes/14701/enrolments", nil, 201)["token"].(string)
	n := newNode(t, lab, 1, "--hub", hub.url)
	n.env = []string{"XASO_ENROL_TOKEN=" + token}
	n.start()
	n.mustReceive(1)
	eventually(t, 30*time.Second, "the one-PC office in sync with the hub", func() error {
		s, err := n.statusHash()
		if err != nil {
			return err
		}
		if s.State != "alone" {
			return fmt.Errorf("cluster state %q, want alone", s.State)
		}
		if h := hub.do("GET", "/api/v1/communes/14701?state_hash=1", nil, 200); h["state_hash"] != s.StateHash {
			return fmt.Errorf("hub %v, office %s", h["state_hash"], s.StateHash)
		}
		return nil
	})
}
