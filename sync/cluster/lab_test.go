package cluster_test

// Helpers for the LAN tests: real `xaso serve` processes, built once by the
// test, in network namespaces made by sync/netns.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"xaso/build/testkit"
	"xaso/sync/netns"
	"xaso/sync/netns/netnstest"
	"xaso/sync/peer"
)

// testSecret is the office's join code for a test run (XASO_JOIN_SECRET).
var testSecret = peer.NewJoinCode()

const (
	testPassword = "matkhau-quantri-1"
	httpPort     = 8420
	peerPort     = 8421
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// xasoBin builds the xaso binary once per test run.
func xasoBin(t testing.TB) string { return testkit.Binary(t, "") }

// lanNode is one PC of the office: a data folder and, while it runs, an
// `xaso serve` process in namespace i.
type lanNode struct {
	t      testing.TB
	lab    *netns.Lab
	i      int
	dir    string
	secret string
	extra  []string
	env    []string // more environment (XASO_ENROL_TOKEN)
	proc   *netns.Proc
	token  string
	client *http.Client
}

// Node 1 is the office's founding PC (--founding: it was given the join
// code in advance); the others join it (app/founding.go).
func newNode(t testing.TB, lab *netns.Lab, i int, extra ...string) *lanNode {
	if i == 1 {
		extra = append([]string{"--founding"}, extra...)
	}
	return &lanNode{t: t, lab: lab, i: i, dir: filepath.Join(lab.Dir(), fmt.Sprintf("data%d", i)),
		secret: testSecret, extra: extra, client: lab.HTTPClient(i)}
}

func (n *lanNode) addr(port int) string { return fmt.Sprintf("%s:%d", n.lab.Addr(n.i), port) }

func (n *lanNode) start() {
	n.t.Helper()
	args := append([]string{"serve", "--data", n.dir, "--listen", n.addr(httpPort), "--commune", "14701",
		"--agency", "000.00.31.H42", "--peer-listen", n.addr(peerPort), "--raft-fast"}, n.extra...)
	env := append([]string{"XASO_ADMIN_PASSWORD=" + testPassword, "XASO_JOIN_SECRET=" + n.secret}, n.env...)
	if dir := os.Getenv("XASO_PROFILE_DIR"); dir != "" { // CPU profile of each node, to see where a run spends
		env = append(env, fmt.Sprintf("XASO_CPUPROFILE=%s/node%d-%d.prof", dir, n.i, time.Now().UnixNano()))
	}
	p, err := n.lab.Start(n.i, xasoBin(n.t), args, env)
	if err != nil {
		n.t.Fatal(err)
	}
	n.proc, n.token = p, ""
	eventually(n.t, 20*time.Second, fmt.Sprintf("node %d answers /health", n.i), func() error {
		if p.Exited() {
			return fmt.Errorf("exited: %s", p.Stderr())
		}
		_, err := n.health()
		return err
	})
	n.login()
}

func (n *lanNode) kill() {
	n.t.Helper()
	n.proc.Kill() // waits; its error is the process's exit status
}

func (n *lanNode) stop() {
	n.t.Helper()
	if err := n.proc.Stop(10 * time.Second); err != nil {
		n.t.Logf("stop node %d: %v", n.i, err)
	}
}

// call does one API request; out may be nil.
func (n *lanNode) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+n.addr(httpPort)+path, rd)
	if err != nil {
		return 0, err
	}
	if n.token != "" {
		req.Header.Set("Authorization", "Bearer "+n.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(b, out)
	}
	return resp.StatusCode, nil
}

type health struct {
	Status  string `json:"status"`
	NodeID  string `json:"node_id"`
	Cluster struct {
		State   string `json:"state"`
		Members int    `json:"members"`
	} `json:"cluster"`
	Unreplicated int `json:"unreplicated"`
	Codes        struct {
		Mode   string `json:"mode"`
		Reason string `json:"reason"`
	} `json:"codes"`
	Clock *struct {
		OffsetMS int64 `json:"offset_ms"`
		Peers    int   `json:"peers"`
	} `json:"clock"`
}

func (n *lanNode) health() (health, error) {
	var h health
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := n.call(ctx, "GET", "/api/v1/health", nil, &h)
	return h, err
}

func (n *lanNode) login() {
	n.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.token = ""
	if _, err := n.call(ctx, "POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": testPassword}, &out); err != nil {
		n.t.Fatal(err)
	}
	n.token = out.Token
	// The desk official of this PC (receiver and admin), made once.
	desk := fmt.Sprintf("desk%d", n.i)
	code, err := n.call(ctx, "POST", "/api/v1/users", map[string]any{"username": desk, "password": testPassword,
		"full_name": "Cán bộ một cửa", "roles": []string{"admin", "receiver"}}, nil)
	if err != nil && code != http.StatusConflict {
		n.t.Fatal(err)
	}
	n.token = ""
	if _, err := n.call(ctx, "POST", "/api/v1/sessions", map[string]string{"username": desk, "password": testPassword}, &out); err != nil {
		n.t.Fatal(err)
	}
	n.token = out.Token
}

type clusterStatus struct {
	State        string `json:"state"`
	Members      int    `json:"members"`
	Unreplicated int    `json:"unreplicated"`
	StateHash    string `json:"state_hash"`
	Cluster      *struct {
		NodeID    string `json:"node_id"`
		ClusterID string `json:"cluster_id"`
		Leader    string `json:"leader"`
		Members   []struct {
			NodeID string `json:"node_id"`
		} `json:"members"`
		Commands int `json:"commands"`
	} `json:"cluster"`
}

func (n *lanNode) status() (clusterStatus, error) { return n.statusOf("/api/v1/cluster") }

// statusHash is status with the state hash, which reads the whole store.
func (n *lanNode) statusHash() (clusterStatus, error) {
	return n.statusOf("/api/v1/cluster?state_hash=1")
}

func (n *lanNode) statusOf(path string) (clusterStatus, error) {
	var s clusterStatus
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := n.call(ctx, "GET", path, nil, &s)
	if err == nil && s.Cluster == nil {
		err = fmt.Errorf("node %d: not in a cluster", n.i)
	}
	return s, err
}

func (n *lanNode) dossiers() (int, error) {
	var st struct {
		Total int `json:"total"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := n.call(ctx, "GET", "/api/v1/stats", nil, &st)
	return st.Total, err
}

// receive hands in one dossier and returns its code.
func (n *lanNode) receive(ctx context.Context, k int) (string, error) {
	return n.receiveAt(ctx, k, 0)
}

// receiveAt receives dossier k as if handed in on paper daysAgo days ago
// (0: now). Benchmarks spread their load over past days: the legal code
// allows 9,999 dossiers a day, which a burst at full speed would use up.
func (n *lanNode) receiveAt(ctx context.Context, k, daysAgo int) (string, error) {
	body := map[string]any{"procedure_code": "1.001193", "applicant": map[string]any{
		"full_name": "Nguyễn Văn " + letters(k), "id_number": fmt.Sprintf("037090%06d", k%1000000),
		"date_of_birth": "1990-05-01", "phone": "0912345678", "address": "Yên Mô"},
		"documents": []map[string]any{{"name": "Tờ khai", "copies": 1}}}
	if daysAgo > 0 {
		body["received_at"] = time.Now().AddDate(0, 0, -daysAgo).Format(time.RFC3339)
	}
	var d struct {
		Code string `json:"code"`
	}
	_, err := n.call(ctx, "POST", "/api/v1/dossiers", body, &d)
	return d.Code, err
}

func (n *lanNode) mustReceive(k int) string {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := n.receive(ctx, k)
	if err != nil {
		n.t.Fatalf("node %d: %v", n.i, err)
	}
	return code
}

var eventually = testkit.Eventually

// formed waits until every node sees one cluster of len(nodes) members with
// a leader, and returns the cluster ID and leader.
func formed(t testing.TB, timeout time.Duration, nodes ...*lanNode) (string, string) {
	t.Helper()
	var cid, leader string
	eventually(t, timeout, "one cluster of all nodes", func() error {
		cid, leader = "", ""
		for _, n := range nodes {
			s, err := n.status()
			if err != nil {
				return err
			}
			c := s.Cluster
			if len(c.Members) != len(nodes) || c.Leader == "" {
				return fmt.Errorf("node %d: %d members, leader %q", n.i, len(c.Members), c.Leader)
			}
			if cid == "" {
				cid, leader = c.ClusterID, c.Leader
			}
			if c.ClusterID != cid || c.Leader != leader {
				return fmt.Errorf("node %d: cluster %s leader %s, others %s %s", n.i, c.ClusterID, c.Leader, cid, leader)
			}
		}
		return nil
	})
	return cid, leader
}

// startLAN makes a lab of n namespaces named name and starts a new PC in
// each.
func startLAN(t testing.TB, name string, n int) (*netns.Lab, []*lanNode) {
	t.Helper()
	lab := netnstest.New(t, name, n)
	nodes := make([]*lanNode, n)
	for i := range nodes {
		nodes[i] = newNode(t, lab, i+1)
		nodes[i].start()
	}
	return lab, nodes
}

// except is nodes without x.
func except(nodes []*lanNode, x *lanNode) []*lanNode {
	return slices.DeleteFunc(slices.Clone(nodes), func(n *lanNode) bool { return n == x })
}

// startOffice starts nodes, waits until they form one cluster, receives
// dossier k+1 on the k-th and waits until every node holds them all.
func startOffice(t testing.TB, nodes ...*lanNode) {
	t.Helper()
	for _, n := range nodes {
		n.start()
	}
	formed(t, 30*time.Second, nodes...)
	for k, n := range nodes {
		n.mustReceive(k + 1)
	}
	converged(t, 20*time.Second, len(nodes), nodes...)
}

// converged waits until all nodes hold the same state hash, nothing
// unreplicated and want dossiers (if want >= 0).
func converged(t testing.TB, timeout time.Duration, want int, nodes ...*lanNode) string {
	t.Helper()
	var hash string
	eventually(t, timeout, "identical state on all nodes", func() error {
		hash = ""
		for _, n := range nodes {
			s, err := n.statusHash()
			if err != nil {
				return err
			}
			if s.Unreplicated != 0 {
				return fmt.Errorf("node %d: %d unreplicated", n.i, s.Unreplicated)
			}
			if want >= 0 {
				if c, err := n.dossiers(); err != nil || c != want {
					return fmt.Errorf("node %d: %d dossiers, want %d (%v)", n.i, c, want, err)
				}
			}
			if hash == "" {
				hash = s.StateHash
			} else if s.StateHash != hash {
				return fmt.Errorf("node %d: state hash %s, node 1: %s", n.i, s.StateHash[:12], hash[:12])
			}
		}
		return nil
	})
	return hash
}

// byID finds the node whose ID is id.
func byID(t testing.TB, id string, nodes ...*lanNode) *lanNode {
	t.Helper()
	for _, n := range nodes {
		if h, err := n.health(); err == nil && h.NodeID == id {
			return n
		}
	}
	t.Fatalf("no running node has ID %s", id)
	return nil
}

// letters spells k in letters (names allow no digits).
func letters(k int) string {
	b := []byte{'A'}
	for i := 0; k > 0 || i == 0; i++ {
		b = append(b, byte('a'+k%26))
		k /= 26
	}
	return string(b)
}
