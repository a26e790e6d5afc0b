package api_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"xaso/app/node"
)

// serveOnListener serves n the way `xaso serve` does (node.Serve on a real
// listener, with its guards) and returns the base URL.
func serveOnListener(t *testing.T, n *node.Node) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + l.Addr().String()
}

// TestHostAndContentTypeGuards: a request under a name the node does not
// serve (DNS rebinding) is refused; a sign-in posted as text/plain (a
// cross-site form or fetch) is refused and opens no session; the UI carries
// its security headers.
func TestHostAndContentTypeGuards(t *testing.T) {
	n, _ := serveNode(t, func(c *node.Config) { c.AllowHosts = []string{"xaso.ubnd.local"} })
	base := serveOnListener(t, n)
	login := `{"username":"admin","password":"admin-password"}`
	for _, c := range []struct {
		host, ctype string
		status      int
	}{
		{"attacker.example:8420", "application/json", 421},
		{"rebind.127.0.0.1.nip.io", "application/json", 421},
		{"localhost:8420", "application/json", 201},
		{"127.0.0.1", "application/json", 201},
		{"[::1]:8420", "application/json", 201},
		{"192.168.1.20:8420", "application/json", 201},
		{"XASO.ubnd.local", "application/json; charset=utf-8", 201},
		{"localhost", "text/plain;charset=UTF-8", 415},
		{"localhost", "application/x-www-form-urlencoded", 415},
		{"localhost", "multipart/form-data; boundary=x", 415},
		{"localhost", "", 415},
	} {
		req, _ := http.NewRequest("POST", base+"/api/v1/sessions", strings.NewReader(login))
		req.Host = c.host
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("Host %q, Content-Type %q: %d %s; want %d", c.host, c.ctype, resp.StatusCode, body, c.status)
		}
		if c.status != 201 && bytes.Contains(body, []byte("token")) {
			t.Errorf("Host %q, Content-Type %q: a session was opened", c.host, c.ctype)
		}
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("UI header %s = %q, want %q", h, got, want)
		}
	}
}

// noisePNG is a PNG that does not compress: about 4·w·h bytes.
func noisePNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// TestStalledDownloadDropped: a client that stops reading a large download
// is disconnected when a write stalls past its deadline, instead of holding
// the connection open.
func TestStalledDownloadDropped(t *testing.T) {
	d := newPaperDesk(t, func(c *node.Config) { c.WriteTimeout = 200 * time.Millisecond })
	base := serveOnListener(t, d.n)
	code := d.receive()
	file := noisePNG(1300, 1300)
	st, body := d.req("POST", "/api/v1/dossiers/"+code+"/attachments?name=scan.png", "image/png", bytes.NewReader(file))
	if st != 201 && st != 200 {
		t.Fatalf("upload: %d %s", st, body)
	}
	var sha string
	if i := bytes.Index(body, []byte(`"sha256":"`)); i >= 0 {
		sha = string(body[i+10 : i+10+64])
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(64 << 10)
		}
		return c, err
	}}}
	req, _ := http.NewRequest("GET", base+"/api/v1/dossiers/"+code+"/attachments/"+sha, nil)
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	time.Sleep(1500 * time.Millisecond) // the client stalls
	got, _ := io.ReadAll(resp.Body)
	if len(got) >= len(file) {
		t.Fatalf("a stalled client got all %d bytes: the connection was kept open", len(got))
	}
}

// TestConnectionsCappedPerAddress: connections from one address over the
// cap are closed at once; when one closes, a new one is served.
func TestConnectionsCappedPerAddress(t *testing.T) {
	n, _ := serveNode(t, func(c *node.Config) { c.MaxConnsPerAddr = 4 })
	base := serveOnListener(t, n)
	addr := strings.TrimPrefix(base, "http://")
	var idle []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	health := func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		io.WriteString(c, "GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		b, err := io.ReadAll(c)
		if !bytes.HasPrefix(b, []byte("HTTP/1.1 200")) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if err := health(); err == nil {
		t.Fatal("a fifth connection from the same address was served")
	}
	idle[0].Close()
	idle = idle[1:]
	deadline := time.Now().Add(2 * time.Second)
	for health() != nil {
		if time.Now().After(deadline) {
			t.Fatal("after one connection closed, a new one is still refused")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
