//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"xaso/build/testkit"
	"xaso/sync/peer"
)

// pc is one office PC of the cluster test: an `xaso serve` on loopback with
// its own HTTP and peer ports (Raft over real TCP; the peers are given with
// --peer, as on a LAN that blocks multicast).
type pc struct {
	name       string
	base       string
	peer       string
	args, env  []string // as started, for start to start it again
	stop, kill func()
}

// start starts the PC's xaso serve (again, on the same data folder).
func (m *pc) start(t *testing.T) {
	t.Helper()
	stop, kill, err := startXaso(world.bin, filepath.Join(world.artifacts, "cluster-"+m.name+".log"), m.args, m.env, m.base)
	if err != nil {
		t.Fatal(err)
	}
	m.stop, m.kill = stop, kill
	t.Cleanup(stop)
}

func startPCs(t *testing.T, extra map[string][]string, names ...string) []*pc {
	t.Helper()
	pcs := make([]*pc, len(names))
	for i, name := range names {
		hp, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		pp, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		pcs[i] = &pc{name: name, base: fmt.Sprintf("http://127.0.0.1:%d", hp), peer: fmt.Sprintf("127.0.0.1:%d", pp)}
	}
	joinCode := peer.NewJoinCode() // the office's, as an admin would copy it to each PC
	for i, m := range pcs {
		args := []string{"serve", "--data", filepath.Join(t.TempDir(), "data"), "--listen", m.base[len("http://"):],
			"--commune", "14701", "--agency", "000.00.31.H42", "--peer-listen", m.peer, "--no-mdns", "--raft-fast"}
		if i == 0 {
			args = append(args, "--founding") // the office's first PC: the others join it (app/founding.go)
		}
		for _, o := range pcs {
			if o != m {
				args = append(args, "--peer", o.peer)
			}
		}
		m.args = append(args, extra[m.name]...)
		m.env = []string{"XASO_JOIN_SECRET=" + joinCode}
		m.start(t)
	}
	return pcs
}

// health reads a PC's /health.
func (m *pc) health(t *testing.T) (h struct {
	NodeID  string `json:"node_id"`
	Cluster struct {
		State   string `json:"state"`
		Members int    `json:"members"`
	} `json:"cluster"`
}) {
	t.Helper()
	res, err := http.Get(m.base + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// Three PCs of one office, one with its clock 7 minutes slow. Its status
// bar says so; the admin removes a PC that died through the peers dialog
// and changes the office's join code there;
// when the second one dies too, the admin recovers the last PC as a new
// one-node cluster from the same dialog, where a PC alone may type another
// office's code.
func TestClusterPeersDialogAndClock(t *testing.T) {
	pcs := startPCs(t, map[string][]string{"cham": {"--clock-offset=-7m"}}, "mot", "cham", "ba")
	a, slow, c := pcs[0], pcs[1], pcs[2]
	testkit.WaitFor(t, 30*time.Second, "one cluster of three", func() bool {
		for _, m := range pcs {
			if h := m.health(t); h.Cluster.Members != 3 || h.Cluster.State == "alone" || h.Cluster.State == "candidate" {
				return false
			}
		}
		return true
	})

	ps := newPage(t, 1366, 768)
	ps.signInAt(slow.base, "admin", adminPassword)
	ps.do() // the status bar polls /health every 5 s
	ps.waitJS(`(document.querySelector('#sb-clock')?.textContent || '').includes('chậm 7 phút')`, "the slow clock warning")
	ps.shot("60-cluster-slow-clock")

	p := newPage(t, 1366, 768)
	p.signInAt(a.base, "admin", adminPassword)
	if p.exists("#sb-clock") {
		p.fail("a PC on time is warned about its clock: %q", p.text("#sb-clock"))
	}
	cid := c.health(t).NodeID
	c.kill()
	p.click("#sb-cluster")
	p.waitJS(`document.querySelectorAll('#peers tr').length === 3`, "three PCs in the peers dialog")
	p.click(`[data-remove="` + cid + `"]`)
	p.waitText("#peers .confirm", cid)
	p.click("#peers-confirm")
	p.waitJS(`document.querySelectorAll('#peers tr').length === 2`, "two PCs left in the peers dialog")
	if p.exists(`[data-remove="` + cid + `"]`) {
		p.fail("the removed PC is still listed")
	}
	p.waitText("#sb-cluster", "2 máy") // the status bar follows
	p.shot("61-cluster-removed")
	testkit.WaitFor(t, 15*time.Second, "two members on the PC that is left", func() bool { return a.health(t).Cluster.Members == 2 })

	// The admin reads the join code and changes it: the removed PC is
	// locked out, the PCs left take the new code.
	p.click("#peers-show-code")
	p.waitJS(`/^([0-9A-Z]{4}-){6}[0-9A-Z]{4}$/.test(document.querySelector('#peers-join-code')?.textContent || '')`,
		"the join code in groups of four")
	before := p.text("#peers-join-code")
	if _, err := peer.ParseJoinCode(before); err != nil {
		p.fail("shown join code %q: %v", before, err)
	}
	p.click("#peers-rotate")
	p.waitText("#peers .confirm", "Đổi mã tham gia?")
	p.click("#peers-confirm")
	p.waitText("#peers-code-note", "lần thứ 2")
	if after := p.text("#peers-join-code"); after == before {
		p.fail("the join code did not change: %s", after)
	}
	p.shot("61b-cluster-join-code-rotated")
	testkit.WaitFor(t, 15*time.Second, "still two members after the rotation", func() bool {
		h := a.health(t)
		return h.Cluster.Members == 2 && h.Cluster.State != "candidate"
	})

	slow.kill()
	p.key(kb.Escape)
	p.waitJS(`!document.querySelector('#peers')`, "the peers dialog closed by Escape")
	testkit.WaitFor(t, 15*time.Second, "no leader on the last PC", func() bool { return a.health(t).Cluster.State == "candidate" })
	p.click("#sb-cluster")
	p.click("#peers-recover")
	p.waitText("#peers .confirm", "quá nửa số máy")
	p.click("#peers-confirm")
	p.waitJS(`document.querySelectorAll('#peers tr').length === 1 && !document.querySelector('#peers-recover')`, "a one-PC cluster")
	p.shot("62-cluster-recovered")
	testkit.WaitFor(t, 15*time.Second, "the last PC leads its own cluster", func() bool {
		h := a.health(t)
		return h.Cluster.Members == 1 && h.Cluster.State == "alone"
	})

	// Alone, the admin may type another office's code; a wrong one is
	// refused in plain words.
	p.waitFor("#peers-join-input", "the join form of a PC working alone")
	p.typeInto("#peers-join-input", "bi mat cua xa")
	p.click("#peers-join")
	p.waitText("#peers .error", "Mã tham gia không đúng")
}
