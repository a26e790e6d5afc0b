package hub_test

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app"
	"xaso/store"
)

// flakyProxy forwards TCP to a target. While cuts > 0 it cuts each new
// connection once cutAfter bytes went up (a link dropping mid-push);
// while down it closes every connection at once (the link is out).
type flakyProxy struct {
	l        net.Listener
	target   string
	down     atomic.Bool
	cuts     atomic.Int32
	cutAfter int64
	onBytes  func(up int64) // called as bytes go up (nil: none)
	mu       sync.Mutex
	conns    []net.Conn
}

func newProxy(t *testing.T, target string) *flakyProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{l: l, target: target, cutAfter: 4096}
	t.Cleanup(func() { l.Close() })
	go p.serve()
	return p
}

func (p *flakyProxy) url() string { return "http://" + p.l.Addr().String() }

func (p *flakyProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			continue
		}
		go p.forward(c)
	}
}

func (p *flakyProxy) forward(c net.Conn) {
	defer c.Close()
	h, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer h.Close()
	limit := int64(-1)
	if p.cuts.Add(-1) >= 0 {
		limit = p.cutAfter
	}
	go func() { io.Copy(c, h); c.Close() }()
	var up int64
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if limit >= 0 && up+int64(n) > limit {
				h.Write(buf[:limit-up])
				return // cut mid-request
			}
			up += int64(n)
			if _, werr := h.Write(buf[:n]); werr != nil {
				return
			}
			if p.onBytes != nil {
				p.onBytes(up)
			}
		}
		if err != nil {
			return
		}
	}
}

// A link that drops connections mid-push, then a hub killed with SIGKILL
// mid-push: afterwards the hub holds every command of the office exactly
// once, and its fold equals the office's.
func TestDroppedLinkAndKilledHub(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hubAddr := freeAddr(t)
	hub := startHub(t, hubDir, hubAddr)
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	proxy := newProxy(t, hubAddr)
	proxy.down.Store(true) // the office works offline first: a backlog
	node := startNode(t, nodeDir, proxy.url(), token, "--commune", "14701", "--agency", "000.00.31.H42")
	admin := login(t, node.url, "admin", nodePassword)
	clerk := desk(t, node)
	receive(t, node, clerk, 200)

	// The link returns but drops the first connections mid-request.
	proxy.cuts.Store(4)
	proxy.down.Store(false)
	synced(t, node, hub, admin, it, 60*time.Second)
	if proxy.cuts.Load() >= 0 {
		t.Fatalf("the proxy cut fewer connections than planned: %d left", proxy.cuts.Load())
	}

	// Offline again, a second backlog; the hub dies mid-push.
	proxy.down.Store(true)
	receive(t, node, clerk, 200)
	var killed atomic.Bool
	proxy.onBytes = func(up int64) {
		if up > 8192 && killed.CompareAndSwap(false, true) {
			hub.kill()
		}
	}
	proxy.down.Store(false)
	testkit_wait(t, &killed)
	hub = startHub(t, hubDir, hubAddr)
	it = login(t, hub.url, "admin", hubPassword)
	want := synced(t, node, hub, admin, it, 60*time.Second)

	hubCount := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)["commands"].(float64)
	node.kill()
	st, err := store.Open(store.Config{Dir: nodeDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, _ := st.CommandCount()
	all, _ := st.CommandsAfter("", n)
	for _, c := range all {
		if app.OfficeOnly(c) { // the office's signing key stays in it
			n--
		}
	}
	h, _ := st.StateHash()
	if h != want || hubCount != float64(n) {
		t.Fatalf("hub holds %v commands, the office %d (hash %s vs %s)", hubCount, n, want, h)
	}
}

func testkit_wait(t *testing.T, b *atomic.Bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !b.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the push never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
