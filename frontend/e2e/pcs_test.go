//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"xaso/build/testkit"
)

// offPCs reads the PCs a PC's /health says are off.
func (m *pc) offPCs(t *testing.T) (off []struct {
	NodeID string `json:"node_id"`
	Name   string `json:"name"`
}) {
	t.Helper()
	res, err := http.Get(m.base + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var h struct {
		Cluster struct {
			Off []struct {
				NodeID string `json:"node_id"`
				Name   string `json:"name"`
			} `json:"off"`
		} `json:"cluster"`
	}
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h.Cluster.Off
}

// 5 (desk day). Three PCs of an office; one is switched off. The status
// bar of the others says so; the admin names it from the PCs dialog while
// it is off ("Tiếp nhận 2"), and the status bar then says "Máy Tiếp nhận 2
// đang tắt", in English too. Switched on again, the PC knows its own name
// (it came with the office's log) and nobody is told a PC is off.
func TestNamingAPCThatIsOff(t *testing.T) {
	pcs := startPCs(t, nil, "mot", "hai", "ba")
	a, off := pcs[0], pcs[1]
	testkit.WaitFor(t, 30*time.Second, "one cluster of three", func() bool {
		for _, m := range pcs {
			if h := m.health(t); h.Cluster.Members != 3 || h.Cluster.State == "alone" || h.Cluster.State == "candidate" {
				return false
			}
		}
		return true
	})
	offID := off.health(t).NodeID
	off.stop()
	testkit.WaitFor(t, 40*time.Second, "the first PC to see the second is off", func() bool {
		o := a.offPCs(t)
		return len(o) == 1 && o[0].NodeID == offID
	})

	p := newPage(t, 1024, 768)
	p.signInAt(a.base, "admin", adminPassword)
	p.waitText("#sb-off", "Máy "+offID+" đang tắt")
	p.click("#sb-cluster")
	p.waitText(`#peers tr[data-node="`+offID+`"]`, "đang tắt")
	p.click(`[data-name-edit="` + offID + `"]`)
	p.waitJS(`document.activeElement?.id === 'peers-name-input'`, "the focus on the name field")
	p.typeInto("#peers-name-input", "Tiếp nhận 2\r")
	p.waitText("#peers-name-note", "khi bật lại máy sẽ nhận tên này")
	p.waitText(`#peers tr[data-node="`+offID+`"]`, "Tiếp nhận 2")
	p.waitText("#sb-off", "Máy Tiếp nhận 2 đang tắt")
	p.shot("63-pc-named-while-off")
	p.nothingCut("#statusbar")
	if over := eval[bool](p, `document.querySelector('#peers').getBoundingClientRect().bottom > document.querySelector('#statusbar').getBoundingClientRect().top`); over {
		p.fail("the PCs dialog hides the status bar")
	}
	p.axeContrast("the PCs dialog with a PC off")
	bar := p.text("#statusbar")
	if strings.Contains(bar, "cụm") || strings.Contains(bar, offID) {
		p.fail("the status bar speaks of a cluster or a node ID: %q", bar)
	}
	p.click("#lang")
	p.waitText("#sb-off", "PC Tiếp nhận 2 is off")
	p.waitText(`#peers tr[data-node="`+offID+`"]`, "off")
	p.shot("63b-pc-named-while-off-english")
	p.click("#lang")

	// Back on: it learns its name from the office's log; nobody is off.
	off.start(t)
	testkit.WaitFor(t, 40*time.Second, "no PC off once it is back", func() bool { return len(a.offPCs(t)) == 0 })
	q := newPage(t, 1366, 768)
	q.signInAt(off.base, "admin", adminPassword)
	q.click("#sb-cluster")
	q.waitText(`#peers tr[data-node="`+offID+`"]`, "Tiếp nhận 2")
	q.waitText(`#peers tr[data-node="`+offID+`"]`, "máy này")
	q.shot("64-pc-back-knows-its-name")
	p.waitJS(`!document.querySelector('#sb-off')`, "the status bar to stop saying a PC is off")
}
