//go:build linux

package update_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xaso/build/testkit"
	"xaso/sync/peer"
	"xaso/sync/update"
)

// A 3-PC office on loopback (static peers, the cluster's TLS): a new
// program is downloaded from the hub once — by the leader — and the other
// PCs take it from a PC that has it; the hub serves one copy. Then each PC
// installs it on the admin's "install now", one after the other, and
// rejoins the office.
func TestOfficeSharesOneDownload(t *testing.T) {
	f := newRepo(t)
	hub := startHub(t, t.TempDir())
	it := signIn(t, hub.url, "admin", hubPassword)
	var enr struct{ Token string }
	if st := call(t, "POST", hub.url+"/api/v1/communes/14701/enrolments", it, nil, &enr); st != 201 {
		t.Fatalf("enrol: %d", st)
	}
	code := peer.NewJoinCode()
	peers := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	type pc struct {
		node     *proc
		dir, exe string
		admin    string
	}
	pcs := make([]pc, 3)
	for i := range pcs {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "update"), 0o700)
		os.WriteFile(filepath.Join(dir, "update", "root.json"), f.root, 0o600)
		exe := copyBinary(t, "")
		addr := freeAddr(t)
		args := []string{"serve", "--data", dir, "--listen", addr, "--commune", "14701", "--agency", "000.00.31.H42",
			"--peer-listen", peers[i], "--no-mdns", "--raft-fast", "--hub", hub.url, officeHours()}
		for j, p := range peers {
			if j != i {
				args = append(args, "--peer", p)
			}
		}
		node := start(t, exe, addr, "/api/v1/health", []string{"XASO_ADMIN_PASSWORD=" + nodePassword,
			"XASO_JOIN_SECRET=" + code, "XASO_ENROL_TOKEN=" + enr.Token}, args...)
		pcs[i] = pc{node: node, dir: dir, exe: exe}
	}
	members := func() error {
		for i, p := range pcs {
			var h struct {
				Cluster struct {
					State   string
					Members int
				}
			}
			call(t, "GET", p.node.url+"/api/v1/health", "", nil, &h)
			if h.Cluster.Members != 3 || (h.Cluster.State != "leader" && h.Cluster.State != "follower") {
				return fmt.Errorf("PC %d: %+v", i, h.Cluster)
			}
		}
		return nil
	}
	testkit.Eventually(t, 60*time.Second, "a 3-PC office", members)
	for i := range pcs {
		pcs[i].admin = signIn(t, pcs[i].node.url, "admin", nodePassword)
	}

	next := copyBinary(t, "\nxaso-test-release-2\n")
	rel := f.releaseBinary(t, hub, next, "2.0.0")
	froms := map[string]int{}
	testkit.Eventually(t, 90*time.Second, "staged on every PC", func() error {
		clear(froms)
		for i, p := range pcs {
			var uv struct {
				Update  struct{ State string }
				History []struct{ State, Target, Detail string }
			}
			call(t, "GET", p.node.url+"/api/v1/update", p.admin, nil, &uv)
			if uv.Update.State != update.StateStaged {
				return fmt.Errorf("PC %d: %+v", i, uv.Update)
			}
			for _, e := range uv.History {
				if e.State == update.StateStaged && strings.HasPrefix(e.Detail, "from ") {
					froms[e.Detail]++
				}
			}
		}
		return nil
	})
	var health struct {
		Served int64 `json:"update_bytes_served"`
	}
	getJSON(t, hub.url+"/api/v1/health", &health)
	t.Logf("hub served %d bytes of update targets for 3 PCs (the program is %d bytes); sources %v", health.Served, rel.Length, froms)
	if health.Served != rel.Length || froms["from peer"] != 2 {
		t.Fatalf("the hub served %d bytes (sources %v), want one copy of the program: %d, and two PCs from a peer", health.Served, froms, rel.Length)
	}

	for i, p := range pcs {
		installNow(t, p.node, p.admin, p.dir)
		testkit.Eventually(t, 60*time.Second, fmt.Sprintf("PC %d installed", i), func() error {
			if r := record(t, p.dir); r.State != update.RecordInstalled {
				return fmt.Errorf("record %+v", r)
			}
			return nil
		})
		testkit.Eventually(t, 60*time.Second, "office whole again", members)
	}
	for i, p := range pcs {
		if update.FileSHA256(p.exe) != rel.SHA256 {
			t.Fatalf("PC %d does not run the new program", i)
		}
	}
}
