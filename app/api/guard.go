package api

import (
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"xaso/app"
)

// Guards of the HTTP edge (docs/threat-model.md).

// codeHost and codeMedia are the errors of the guards.
const (
	codeHost  = "host_not_allowed"
	codeMedia = "unsupported_media_type"
)

// HostGuard answers only requests addressed to this node: an IP address
// (a DNS rebinding attack needs a name the attacker controls), localhost,
// or one of names (the --listen host and each --allow-host). A web page
// of another site opened on the office PC thus cannot read the API through
// a name that resolves to 127.0.0.1.
func HostGuard(names []string, next http.Handler) http.Handler {
	allowed := map[string]bool{"localhost": true}
	for _, n := range names {
		if n = normHost(n); n != "" {
			allowed[n] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := normHost(r.Host)
		if allowed[host] || net.ParseIP(host) != nil {
			next.ServeHTTP(w, r)
			return
		}
		writeJSON(w, http.StatusMisdirectedRequest, errorBody{errorDetail{Code: codeHost,
			Message: "Địa chỉ máy “" + host + "” không được phép; quản trị viên có thể thêm bằng --allow-host."}})
	})
}

// normHost lower-cases a host, without its port, brackets or final dot.
func normHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(h, "]"), "["), ".")
	return strings.ToLower(h)
}

// jsonBody refuses a body that is not declared as JSON: a browser sends
// text/plain, form and multipart bodies across sites without asking, so a
// sign-in (or any JSON call) with them is another site's page at work.
func jsonBody(r *http.Request) error {
	media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && (media == "application/json" || strings.HasSuffix(media, "+json")) {
		return nil
	}
	return app.Errorf(codeMedia, "", "Nội dung gửi lên phải là JSON (Content-Type: application/json).",
		"the request body must be JSON (Content-Type: application/json)")
}

// uiHeaders are the security headers of the web UI's pages.
func uiHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data: blob:; object-src 'self' blob:; frame-src 'self' blob:; connect-src 'self'; "+
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// deadlineWriter gives every write of a response its own deadline, so a
// client that stops reading a large download is dropped instead of holding
// its connection (and the file) open for minutes; one that reads slowly but
// steadily still gets the whole file.
type deadlineWriter struct {
	http.ResponseWriter
	rc  *http.ResponseController
	per time.Duration
}

const writeChunk = 64 << 10

func (d *deadlineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := min(len(p), writeChunk)
		_ = d.rc.SetWriteDeadline(time.Now().Add(d.per)) // not supported in the window's asset server: no matter
		m, err := d.ResponseWriter.Write(p[:c])
		n += m
		if err != nil {
			return n, err
		}
		p = p[c:]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// LimitConns caps the open connections from one client address: a client
// that opens hundreds of connections and leaves them idle cannot take every
// file descriptor of the PC. Connections over the cap are closed at once.
func LimitConns(l net.Listener, perAddr int) net.Listener {
	return &connLimiter{Listener: l, per: perAddr, open: map[string]int{}}
}

type connLimiter struct {
	net.Listener
	per  int
	mu   sync.Mutex
	open map[string]int
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := c.RemoteAddr().String()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		l.mu.Lock()
		if l.open[addr] >= l.per {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.open[addr]++
		l.mu.Unlock()
		return &limitedConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

func (l *connLimiter) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
