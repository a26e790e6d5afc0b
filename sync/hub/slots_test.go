package hub_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"xaso/build/testkit"
)

// waitSynced waits until the node has synced with the hub once.
func waitSynced(t *testing.T, node *proc) {
	t.Helper()
	testkit.Eventually(t, 20*time.Second, "first sync", func() error {
		up := must(t, 200, node.url, "", "GET", "/api/v1/health", nil)["uplink"].(map[string]any)
		if up["last_sync"] == nil {
			return fmt.Errorf("%v", up)
		}
		return nil
	})
}

func codes(t *testing.T, node *proc, token string) []string {
	t.Helper()
	var out []string
	for _, d := range must(t, 200, node.url, token, "GET", "/api/v1/dossiers?limit=100", nil)["items"].([]any) {
		out = append(out, d.(map[string]any)["code"].(string))
	}
	return out
}

// Two installations of one commune (two offices, each enrolled) issue no
// dossier code twice: the hub grants each its own number slots. A PC that
// has met neither its office nor the hub issues provisional codes only.
func TestTwoInstallationsNoCodeTwice(t *testing.T) {
	hubDir, _ := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	seen := map[string]string{}
	for _, office := range []string{"A", "B"} {
		token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
		args := []string{"--commune", "14701", "--agency", "000.00.31.H42"}
		if office == "B" {
			args = append(args, "--clock-offset=-10m") // its clock is slow: the hub's joins the clock check
		}
		node := startNode(t, t.TempDir(), hub.url, token, args...)
		waitSynced(t, node)
		if office == "B" {
			c := must(t, 200, node.url, "", "GET", "/api/v1/health", nil)["clock"].(map[string]any)
			if off := c["offset_ms"].(float64); off < 9*60000 || c["peers"] != float64(1) {
				t.Fatalf("clock check with the hub: %v", c)
			}
		}
		clerk := desk(t, node)
		receive(t, node, clerk, 3)
		for _, c := range codes(t, node, clerk) {
			if strings.HasPrefix(c, "TAM-") {
				t.Fatalf("office %s issued a provisional code %s once enrolled", office, c)
			}
			if o, dup := seen[c]; dup {
				t.Fatalf("code %s issued by offices %s and %s", c, o, office)
			}
			seen[c] = office
		}
	}
	lone := startNode(t, t.TempDir(), "http://"+freeAddr(t), "", "--commune", "14701", "--agency", "000.00.31.H42")
	clerk := desk(t, lone)
	receive(t, lone, clerk, 1)
	if c := codes(t, lone, clerk); len(c) != 1 || !strings.HasPrefix(c[0], "TAM-") {
		t.Fatalf("a PC that met neither its office nor the hub: codes %v", c)
	}
}
