package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/app"
	"xaso/sync/netns/netnstest"
	"xaso/sync/peer"
)

// Three new PCs on one LAN find each other by mDNS alone (no --peer), form
// one cluster, and a dossier received on any of them is visible on all.
func TestLANThreeNodesFormOneClusterByMDNS(t *testing.T) {
	_, nodes := startLAN(t, "form", 3)
	formed(t, 30*time.Second, nodes...)
	for _, n := range nodes {
		n.login()
	}
	codes := map[string]bool{}
	for k, n := range nodes {
		code := n.mustReceive(k)
		if codes[code] {
			t.Fatalf("code %s issued twice", code)
		}
		codes[code] = true
	}
	converged(t, 15*time.Second, 3, nodes...)
	for _, n := range nodes {
		for code := range codes {
			if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err != nil {
				t.Errorf("node %d: %v", n.i, err)
			}
		}
		if h, err := n.health(); err != nil || h.Cluster.Members != 3 || (h.Cluster.State != "leader" && h.Cluster.State != "follower") {
			t.Errorf("node %d health: %+v %v", n.i, h, err)
		}
	}
	t.Log(fmt.Sprint("codes: ", codes))

	// A scan attached on one PC reaches the others lazily, byte for byte.
	var first string
	for code := range codes {
		first = code
		break
	}
	scan := pngScan(t)
	st, out := nodes[0].raw("POST", "/api/v1/dossiers/"+first+"/attachments?name=giay-chung-sinh.png", "image/png", scan)
	if st != 201 {
		t.Fatalf("attach on node 1: %d %s", st, out)
	}
	var att struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal(out, &att); err != nil || att.SHA256 == "" {
		t.Fatalf("attach answer %s: %v", out, err)
	}
	for _, n := range nodes[1:] {
		eventually(t, 20*time.Second, "the scan on every PC", func() error {
			st, got := n.raw("GET", "/api/v1/dossiers/"+first+"/attachments/"+att.SHA256, "", nil)
			if st != 200 || !bytes.Equal(got, scan) {
				return fmt.Errorf("node %d: %d, %d bytes", n.i, st, len(got))
			}
			return nil
		})
	}
}

// pngScan is a small real PNG, as a scanner would give.
func pngScan(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// raw sends body as it is and returns the status and the answer's bytes.
func (n *lanNode) raw(method, path, contentType string, body []byte) (int, []byte) {
	req, err := http.NewRequest(method, "http://"+n.addr(httpPort)+path, bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+n.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// SIGKILL the leader during a burst of writes on every node: no
// acknowledged dossier is lost, and a new leader serves writes at once.
func TestLANLeaderKilledDuringBurst(t *testing.T) {
	t.Parallel()
	_, nodes := startLAN(t, "kill", 3)
	_, leaderID := formed(t, 30*time.Second, nodes...)
	leader := byID(t, leaderID, nodes...)

	var mu sync.Mutex
	acked := map[string]int{} // code → node
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, n := range nodes {
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := n.i*100000 + w*10000; ctx.Err() == nil; k++ {
					rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
					code, err := n.receive(rctx, k)
					rcancel()
					if err != nil {
						time.Sleep(20 * time.Millisecond)
						continue
					}
					mu.Lock()
					if prev, dup := acked[code]; dup {
						t.Errorf("code %s issued by node %d and node %d", code, prev, n.i)
					}
					acked[code] = n.i
					mu.Unlock()
				}
			}()
		}
	}
	time.Sleep(1500 * time.Millisecond)
	leader.kill()
	killedAt := time.Now()
	rest := except(nodes, leader)
	eventually(t, 10*time.Second, "a new leader", func() error {
		s, err := rest[0].status()
		if err != nil {
			return err
		}
		if s.Cluster.Leader == "" || s.Cluster.Leader == leaderID {
			return fmt.Errorf("leader %q", s.Cluster.Leader)
		}
		return nil
	})
	t.Logf("new leader after %v", time.Since(killedAt).Round(time.Millisecond))
	time.Sleep(time.Second) // the burst goes on against the survivors
	cancel()
	wg.Wait()
	rest[0].mustReceive(1) // a write after the burst, on the new cluster
	leader.start()         // the killed PC comes back with what it acknowledged
	mu.Lock()
	total := len(acked) + 1
	mu.Unlock()
	converged(t, 60*time.Second, -1, nodes...)
	for _, n := range nodes {
		// Requests cut by the kill may have been committed without an
		// answer: at least every acknowledged dossier is there.
		if c, err := n.dossiers(); err != nil || c < total {
			t.Fatalf("node %d: %d dossiers, %d acknowledged (%v)", n.i, c, total, err)
		}
		for code := range acked {
			if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err != nil {
				t.Fatalf("acknowledged dossier lost on node %d: %v", n.i, err)
			}
		}
	}
	t.Logf("%d acknowledged dossiers, all present on all nodes", total)
}

// Cut one node off for a while: both sides keep receiving dossiers; after
// healing, all nodes hold byte-identical state and no code was issued twice.
func TestLANPartitionHeals(t *testing.T) {
	t.Parallel()
	lab, nodes := startLAN(t, "part", 3)
	formed(t, 30*time.Second, nodes...)
	codes := map[string]int{}
	add := func(n *lanNode, k int) {
		code := n.mustReceive(k)
		if prev, dup := codes[code]; dup {
			t.Fatalf("code %s issued by node %d and node %d", code, prev, n.i)
		}
		codes[code] = n.i
	}
	for _, n := range nodes {
		add(n, n.i)
	}
	converged(t, 15*time.Second, 3, nodes...)
	if err := lab.Link(3, false); err != nil {
		t.Fatal(err)
	}
	for k := range 10 {
		for _, n := range nodes {
			add(n, 100+k*3+n.i)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if h, _ := nodes[2].health(); h.Unreplicated == 0 {
		t.Errorf("the cut-off node reports nothing unreplicated: %+v", h)
	}
	if err := lab.Link(3, true); err != nil {
		t.Fatal(err)
	}
	hash := converged(t, 30*time.Second, len(codes), nodes...)
	t.Logf("%d dossiers, state %s on all nodes", len(codes), hash[:16])
}

// A PC set up alone (its cable out) with 100 dossiers meets the office's
// cluster holding 100 others: the smaller hands its commands over, resets
// its Raft state and joins; all end with 200. The office's founding PC
// (node 1) and the PCs that joined it issue final codes; the lone PC, which
// has met neither its office nor a hub, issues provisional codes only (a
// slot it leased alone could be one its office issues from), and once it
// has met its office its dossiers are recoded with final codes: no code is
// ever issued twice (app/founding.go).
func TestLANMergeTwoClusters(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "merge", 4)
	nodes := []*lanNode{newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3), newNode(t, lab, 4)}
	if err := lab.Link(4, false); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		n.start()
	}
	office, lone := nodes[:3], nodes[3]
	officeID, _ := formed(t, 30*time.Second, office...)
	loneID, _ := formed(t, 20*time.Second, lone) // it bootstraps its own cluster
	if loneID == officeID {
		t.Fatalf("the lone PC joined the office's cluster %s with its cable out", officeID)
	}
	for k := range 100 {
		if code := office[k%3].mustReceive(k); strings.HasPrefix(code, app.ProvisionalPrefix) {
			t.Fatalf("office PC %d issued provisional code %s", office[k%3].i, code)
		}
		if code := lone.mustReceive(1000 + k); !strings.HasPrefix(code, app.ProvisionalPrefix) {
			t.Fatalf("the lone PC issued final code %s before meeting its office", code)
		}
	}
	if h, err := lone.health(); err != nil || h.Codes.Mode != "provisional" || h.Codes.Reason != app.ProvisionalOfficeNotMet {
		t.Errorf("the lone PC's /health codes %+v (%v), want provisional, %s", h.Codes, err, app.ProvisionalOfficeNotMet)
	}
	if h, err := office[1].health(); err != nil || h.Codes.Mode != "final" {
		t.Errorf("a PC that joined the office: /health codes %+v (%v), want final", h.Codes, err)
	}
	if err := lab.Link(4, true); err != nil {
		t.Fatal(err)
	}
	cid, _ := formed(t, 60*time.Second, nodes...)
	if cid != officeID {
		t.Errorf("merged into %s, want the office's cluster %s", cid, officeID)
	}
	converged(t, 60*time.Second, 200, nodes...)
	if dups := duplicateCodes(t, nodes[0]); len(dups) > 0 {
		t.Errorf("codes issued twice: %v", dups)
	}
	// The lone PC, now in its office, recodes its dossiers with final codes
	// (its lease waits out the backoff of the refused one: retried).
	provisional := provisionalDossiers(t, lone)
	if len(provisional) != 100 {
		t.Fatalf("%d provisional dossiers after the merge, want the lone PC's 100", len(provisional))
	}
	for _, id := range provisional {
		eventually(t, 45*time.Second, "recode "+id, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := lone.call(ctx, "POST", "/api/v1/dossiers/"+id+"/actions", map[string]any{"action": "recode"}, nil)
			return err
		})
	}
	if h, err := lone.health(); err != nil || h.Codes.Mode != "final" {
		t.Errorf("the lone PC after meeting its office: /health codes %+v (%v), want final", h.Codes, err)
	}
	converged(t, 60*time.Second, 200, nodes...)
	if left := provisionalDossiers(t, nodes[0]); len(left) > 0 {
		t.Errorf("%d dossiers still provisional after recoding", len(left))
	}
	if dups := duplicateCodes(t, nodes[0]); len(dups) > 0 {
		t.Errorf("codes issued twice after recoding: %v", dups)
	}
}

// provisionalDossiers lists the IDs of n's dossiers with a provisional code.
func provisionalDossiers(t *testing.T, n *lanNode) []string {
	var out []string
	after := ""
	for {
		var page struct {
			Items []struct {
				ID   string `json:"id"`
				Code string `json:"code"`
			} `json:"items"`
			Next string `json:"next"`
		}
		if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers?limit=100&after="+after, nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Items {
			if strings.HasPrefix(d.Code, app.ProvisionalPrefix) {
				out = append(out, d.ID)
			}
		}
		if page.Next == "" || len(page.Items) == 0 {
			return out
		}
		after = page.Next
	}
}

// duplicateCodes lists codes held by more than one dossier on n.
func duplicateCodes(t *testing.T, n *lanNode) []string {
	seen, after := map[string]int{}, ""
	for {
		var page struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
			Next string `json:"next"`
		}
		if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers?limit=100&after="+after, nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Items {
			seen[d.Code]++
		}
		if page.Next == "" || len(page.Items) == 0 {
			break
		}
		after = page.Next
	}
	var out []string
	for c, k := range seen {
		if k > 1 {
			out = append(out, c)
		}
	}
	return out
}

// A two-PC office with one PC switched off: the other keeps working alone
// and catches the first up when it returns.
func TestLANTwoPCOfficeOneOff(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "two", 2)
	a, b := newNode(t, lab, 1), newNode(t, lab, 2)
	startOffice(t, a, b)
	b.stop()
	for k := range 20 {
		a.mustReceive(10 + k) // no quorum: applied locally, queued
	}
	if h, _ := a.health(); h.Unreplicated != 20 {
		t.Errorf("want 20 unreplicated while the other PC is off, health %+v", h)
	}
	b.start()
	converged(t, 30*time.Second, 22, a, b)
}

// A PC whose clock is 7 minutes slow still works in the office, and both
// PCs report the difference in /health for the status bar's warning (with
// two PCs neither can tell which is wrong: each is told half of it).
func TestLANWrongClockIsReported(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "clock", 2)
	a, slow := newNode(t, lab, 1), newNode(t, lab, 2, "--clock-offset=-7m")
	startOffice(t, a, slow)
	for _, tc := range []struct {
		n    *lanNode
		want time.Duration
	}{{slow, 7 * time.Minute / 2}, {a, -7 * time.Minute / 2}} {
		eventually(t, 20*time.Second, "clock offset reported", func() error {
			h, err := tc.n.health()
			if err != nil {
				return err
			}
			if h.Clock == nil {
				return fmt.Errorf("node %d: no clock reading yet", tc.n.i)
			}
			if got := time.Duration(h.Clock.OffsetMS) * time.Millisecond; h.Clock.Peers != 1 || (got-tc.want).Abs() > 5*time.Second {
				return fmt.Errorf("node %d: clock %+v, want an offset of %v from 1 peer", tc.n.i, *h.Clock, tc.want)
			}
			return nil
		})
	}
}

// A PC whose clock is a year fast joins the office. The other PC's
// receipts keep today's date and dossier codes (its clock does not take
// the fast one's readings over), and an action there on a dossier the fast
// PC received is still stamped after its receipt, on both PCs.
func TestLANFastClockDoesNotMoveTheOffice(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "fast", 2)
	a, fast := newNode(t, lab, 1), newNode(t, lab, 2, "--clock-offset=8760h")
	startOffice(t, a, fast)
	type dossier struct {
		Code       string    `json:"code"`
		Status     string    `json:"status"`
		ReceivedAt time.Time `json:"received_at"`
		History    []struct {
			Action string    `json:"action"`
			At     time.Time `json:"at"`
		} `json:"history"`
		Conflicts []json.RawMessage `json:"conflicts"`
	}
	get := func(n *lanNode, code string) (d dossier) {
		t.Helper()
		if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	theirs := fast.mustReceive(10)
	eventually(t, 15*time.Second, "the fast PC's dossier on a", func() error {
		_, err := a.call(t.Context(), "GET", "/api/v1/dossiers/"+theirs, nil, nil)
		return err
	})
	mine := get(a, a.mustReceive(11))
	if d := time.Since(mine.ReceivedAt); d < -time.Minute || d > time.Minute {
		t.Errorf("a PC on time received at %v after seeing a PC a year fast", mine.ReceivedAt)
	}
	if today := time.Now().In(mine.ReceivedAt.Location()).Format("060102"); !strings.Contains(mine.Code, "-"+today+"-") {
		t.Errorf("code %s does not carry today's date %s", mine.Code, today)
	}
	if _, err := a.call(t.Context(), "POST", "/api/v1/dossiers/"+theirs+"/actions", map[string]string{"action": "forward"}, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, 20*time.Second, 4, a, fast)
	for _, n := range []*lanNode{a, fast} {
		d := get(n, theirs)
		if d.Status != "processing" || len(d.Conflicts) != 0 || len(d.History) != 2 || d.History[1].Action != "forward" ||
			d.History[1].At.Before(d.History[0].At) {
			t.Errorf("node %d: the fast PC's dossier after a forward on a: %+v", n.i, d)
		}
	}
}

// A PC with another join code can neither join the cluster nor read its
// dossiers, and the cluster never counts it.
func TestLANWrongSecret(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "secret", 3)
	a, b, intruder := newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3)
	intruder.secret = peer.NewJoinCode()
	a.start()
	b.start()
	formed(t, 30*time.Second, a, b)
	intruder.start()
	code := a.mustReceive(1)
	converged(t, 15*time.Second, 1, a, b)
	time.Sleep(4 * time.Second) // long enough to have joined or merged
	for _, n := range []*lanNode{a, b} {
		s, err := n.status()
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Cluster.Members) != 2 {
			t.Errorf("node %d: the intruder was let in: %+v", n.i, s.Cluster.Members)
		}
	}
	s, err := intruder.status()
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.ClusterID == "" || len(s.Cluster.Members) != 1 {
		t.Errorf("intruder: %+v", s.Cluster)
	}
	if c, _ := intruder.dossiers(); c != 0 {
		t.Errorf("the intruder reads %d dossiers", c)
	}
	if _, err := intruder.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err == nil {
		t.Errorf("the intruder reads dossier %s", code)
	}
	intruder.mustReceive(2) // its own dossier never reaches the cluster
	time.Sleep(2 * time.Second)
	if c, _ := a.dossiers(); c != 1 {
		t.Errorf("the cluster took the intruder's dossier: %d dossiers", c)
	}
}

// SIGTERM stops a clustered node promptly (peer connections closed, Raft
// shut down), and it rejoins with its state on restart.
func TestLANGracefulStop(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "stop", 2)
	a, b := newNode(t, lab, 1), newNode(t, lab, 2)
	a.start()
	b.start()
	formed(t, 30*time.Second, a, b)
	a.mustReceive(1)
	converged(t, 15*time.Second, 1, a, b)
	start := time.Now()
	if err := b.proc.Stop(8 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v (after %v)", err, time.Since(start))
	}
	b.start()
	formed(t, 30*time.Second, a, b)
}
