package peer

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const opEcho byte = 9 // members only, in these tests

type testPC struct {
	auth *Authority
	addr string
	pool *Pool
}

// startPC serves a peer port on loopback for node until the test ends.
func startPC(t *testing.T, node string, log *slog.Logger) *testPC {
	t.Helper()
	a, err := LoadAuthority(filepath.Join(t.TempDir(), "peer.json"), node, "14701")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(a)
	srv.Handle(opEcho, func(_ context.Context, r Request) ([]byte, error) { return r.Payload, nil })
	srv.HandleOpen(OpEnroll, ServeEnroll(a, nil))
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := NewMux(tls.NewListener(ln, a.ServerTLS()), map[byte]ConnHandler{ProtoRPC: srv.ServeConn}, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &testPC{auth: a, addr: ln.Addr().String(), pool: NewPool(&Dialer{TLS: a.MemberTLS()})}
}

func (p *testPC) echo(to *testPC) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.pool.CloseIdle()
	out, err := p.pool.Call(ctx, to.addr, opEcho, []byte("hi"))
	if err == nil && string(out) != "hi" {
		return errors.New("bad echo")
	}
	return err
}

func (p *testPC) enroll(t *testing.T, at *testPC, code string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := Enroll(ctx, at.addr, code, p.auth.node)
	if err != nil {
		return err
	}
	return p.auth.Adopt(b)
}

// hkdfKey is the key the peer port showed before the office CA: derived
// from the secret, so a stranger could test guesses against it offline.
func hkdfKey(t *testing.T, secret string) ed25519.PublicKey {
	seed, err := hkdf.Key(sha256.New, []byte(secret), []byte("xaso/14701"), "xaso peer tls v1", ed25519.SeedSize)
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}

// A stranger's handshake shows a certificate with a random key, issued by
// a random CA: nothing derived from the join code; and members-only
// requests are refused.
func TestStrangerLearnsNothingOfTheCode(t *testing.T) {
	a := startPC(t, "node-a", nil)
	code := NewJoinCode()
	if err := a.auth.Create(code); err != nil {
		t.Fatal(err)
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", a.addr, OpenTLS())
	if err != nil {
		t.Fatal(err)
	}
	certs := c.ConnectionState().PeerCertificates
	c.Close()
	if len(certs) == 0 {
		t.Fatal("no certificate shown")
	}
	shown := certs[0].PublicKey.(ed25519.PublicKey)
	for _, secret := range []string{code, FormatJoinCode(code), strings.ToLower(code)} {
		if bytes.Equal(shown, hkdfKey(t, secret)) {
			t.Fatalf("the peer port shows a key derived from the join code %q", secret)
		}
	}
	for _, der := range [][]byte{certs[0].Raw, certs[0].RawIssuer} {
		if bytes.Contains(der, []byte(code)) {
			t.Fatal("the certificate carries the code")
		}
	}
	stranger := &testPC{pool: NewPool(&Dialer{TLS: OpenTLS()})}
	if err := stranger.echo(a); err == nil || !strings.Contains(err.Error(), ErrNotMember.Error()) {
		t.Fatalf("stranger's members-only request: %v, want %v", err, ErrNotMember)
	}
}

func TestEnrollWithTheCodeOnly(t *testing.T) {
	a, b, c := startPC(t, "node-a", nil), startPC(t, "node-b", nil), startPC(t, "node-c", nil)
	code := NewJoinCode()
	if err := a.auth.Create(code); err != nil {
		t.Fatal(err)
	}
	if err := c.enroll(t, a, NewJoinCode()); err == nil {
		t.Fatal("a PC with another code enrolled")
	}
	if c.auth.Enrolled() || c.echo(a) == nil {
		t.Fatal("a PC with the wrong code became a member")
	}
	if err := b.enroll(t, a, FormatJoinCode(code)); err == nil {
		t.Fatal("enrolled with the shown form; the canonical one is expected from ParseJoinCode")
	}
	if err := b.enroll(t, a, code); err != nil {
		t.Fatalf("enrol with the code: %v", err)
	}
	if err := b.echo(a); err != nil {
		t.Fatalf("member to member: %v", err)
	}
	if err := a.echo(b); err != nil {
		t.Fatalf("member to member: %v", err)
	}
	if got, _ := b.auth.Code(); got != code {
		t.Fatalf("joiner's code %q, want %q", got, code)
	}
	// A PC that has not joined cannot hand the office out.
	if err := c.enroll(t, c, code); err == nil {
		t.Fatal("enrolled at a PC that holds no office")
	}
}

// Rotation: the members that take the new bundle keep talking; a PC left
// out (removed) is refused both ways, and the old code enrols no one.
func TestRotationLocksTheRemovedPCOut(t *testing.T) {
	a, b, c, d := startPC(t, "node-a", nil), startPC(t, "node-b", nil), startPC(t, "node-c", nil), startPC(t, "node-d", nil)
	old := NewJoinCode()
	if err := a.auth.Create(old); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*testPC{b, c} {
		if err := p.enroll(t, a, old); err != nil {
			t.Fatal(err)
		}
	}
	// c keeps a connection to a open from before the rotation.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.pool.Call(ctx, a.addr, opEcho, nil); err != nil {
		t.Fatal(err)
	}
	nb, err := a.auth.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if nb.Code == old || nb.Epoch != 2 {
		t.Fatalf("rotated bundle: epoch %d, same code %v", nb.Epoch, nb.Code == old)
	}
	for _, p := range []*testPC{a, b} { // c was removed: it is not handed the new bundle
		if err := p.auth.Adopt(nb); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.echo(a); err != nil {
		t.Fatalf("members after rotation: %v", err)
	}
	if !b.auth.Retired(old) || b.auth.Retired(nb.Code) || c.auth.Retired(old) {
		t.Fatal("retired codes: want the old one only, on the members that rotated")
	}
	if _, err := c.pool.Call(ctx, a.addr, opEcho, nil); err == nil || !strings.Contains(err.Error(), ErrNotMember.Error()) {
		t.Fatalf("the removed PC's connection from before the rotation: %v, want %v", err, ErrNotMember)
	}
	if c.echo(a) == nil || a.echo(c) == nil {
		t.Fatal("the removed PC still talks to a member")
	}
	if err := d.enroll(t, a, old); err == nil {
		t.Fatal("the old code still enrols")
	}
	if err := d.enroll(t, a, nb.Code); err != nil {
		t.Fatalf("the new code: %v", err)
	}
}

// A flood of junk connections logs one line, not one per connection.
func TestJunkConnectionsLogOnce(t *testing.T) {
	var buf lockedBuffer
	a := startPC(t, "node-a", slog.New(slog.NewTextHandler(&buf, nil)))
	for range 30 {
		c, err := net.Dial("tcp", a.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 64)) // the server closes after the failed handshake
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for buf.count("peer refused") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := buf.count("peer refused"); n != 1 {
		t.Fatalf("%d log lines for 30 junk connections, want 1:\n%s", n, buf.String())
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) count(s string) int { return strings.Count(l.String(), s) }
