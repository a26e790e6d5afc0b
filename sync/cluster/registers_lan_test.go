package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// clerk signs node n in as an official who receives and resolves (desk
// and leader), made once per PC.
func (n *lanNode) clerk() {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name := fmt.Sprintf("clerk%d", n.i)
	code, err := n.call(ctx, "POST", "/api/v1/users", map[string]any{"username": name, "password": testPassword,
		"full_name": "Công chức tư pháp - hộ tịch", "roles": []string{"admin", "receiver", "leader"}}, nil)
	if err != nil && code != http.StatusConflict {
		n.t.Fatal(err)
	}
	var out struct {
		Token string `json:"token"`
	}
	n.token = ""
	if _, err := n.call(ctx, "POST", "/api/v1/sessions", map[string]string{"username": name, "password": testPassword}, &out); err != nil {
		n.t.Fatal(err)
	}
	n.token = out.Token
}

// registerBirth receives birth k with its facts, forwards and resolves it,
// and returns the register entry the dossier names.
func (n *lanNode) registerBirth(k int) (register string, number int) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body := map[string]any{"procedure_code": "1.001193", "applicant": map[string]any{
		"full_name": "Lê Văn " + letters(k), "id_number": fmt.Sprintf("037090%06d", k), "phone": "0912345678", "address": "Yên Mô"},
		"facts": map[string]any{"subject": map[string]any{"full_name": "Lê Thị " + letters(k), "sex": "nữ"},
			"date": time.Now().AddDate(0, 0, -3).Format("2006-01-02"), "place": "Trạm y tế xã Yên Mô",
			"declarant": map[string]any{"full_name": "Lê Văn " + letters(k), "relation": "cha"}}}
	var d struct {
		Code  string `json:"code"`
		Entry *struct {
			Register string `json:"register"`
			Number   int    `json:"number"`
		} `json:"register_entry"`
	}
	if _, err := n.call(ctx, "POST", "/api/v1/dossiers", body, &d); err != nil {
		n.t.Fatalf("node %d: %v", n.i, err)
	}
	for _, a := range []string{"forward", "resolve"} {
		if _, err := n.call(ctx, "POST", "/api/v1/dossiers/"+d.Code+"/actions", map[string]string{"action": a}, &d); err != nil {
			n.t.Fatalf("node %d %s: %v", n.i, a, err)
		}
	}
	if d.Entry == nil {
		n.t.Fatalf("node %d: resolved birth %s names no register entry", n.i, d.Code)
	}
	return d.Entry.Register, d.Entry.Number
}

// A birth registered on a PC cut off from its office gets an entry number
// from the block its PC leased through Raft: final at once, and no other PC
// issues it. When the PC rejoins, every entry of the book has its own
// number, none is in conflict, and all PCs hold the same state.
func TestLANEntryNumbersAcrossPartition(t *testing.T) {
	t.Parallel()
	lab, nodes := startLAN(t, "reg", 3)
	formed(t, 30*time.Second, nodes...)
	issued := map[int]int{} // entry number → node
	var register string
	add := func(n *lanNode, k int) {
		reg, num := n.registerBirth(k)
		if prev, dup := issued[num]; dup {
			t.Fatalf("entry %d issued by node %d and node %d", num, prev, n.i)
		}
		issued[num], register = n.i, reg
	}
	for _, n := range nodes {
		n.clerk()
		add(n, n.i)
	}
	converged(t, 15*time.Second, 3, nodes...)
	if err := lab.Link(3, false); err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		for _, n := range nodes {
			add(n, 100+k*3+n.i)
		}
	}
	if err := lab.Link(3, true); err != nil {
		t.Fatal(err)
	}
	converged(t, 30*time.Second, len(issued), nodes...)
	for _, n := range nodes {
		var out struct {
			Items []struct {
				Number    int   `json:"number"`
				Conflicts []any `json:"conflicts"`
			} `json:"items"`
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := n.call(ctx, "GET", "/api/v1/registers/"+register+"/entries", nil, &out)
		cancel()
		if err != nil || len(out.Items) != len(issued) {
			t.Fatalf("node %d: %d entries, %v; want %d", n.i, len(out.Items), err, len(issued))
		}
		for _, e := range out.Items {
			if _, ok := issued[e.Number]; !ok || len(e.Conflicts) > 0 {
				t.Errorf("node %d: entry %d unknown or in conflict: %v", n.i, e.Number, e.Conflicts)
			}
		}
	}
	t.Logf("%d entries in %s, numbers %v", len(issued), register, keys(issued))
}

func keys(m map[int]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, strconv.Itoa(k)+"@"+strconv.Itoa(v))
	}
	return out
}
