package node

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/sync/peer"
)

func freePeerPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func openLANNode(t *testing.T, secret string) (*Node, error) {
	t.Helper()
	return Open(context.Background(), Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		LAN: LAN{PeerListen: freePeerPort(t), NoMDNS: true, Secret: secret, Fast: true}})
}

// A chosen secret, however long, is refused with a stable code: only a
// generated join code (or none, on the first PC) starts the LAN.
func TestWeakJoinSecretRefused(t *testing.T) {
	for _, secret := range []string{"bí-mật-của-xã", "12345678", "secret-one-1", "correct horse battery staple"} {
		t.Run(secret, func(t *testing.T) {
			n, err := openLANNode(t, secret)
			if err == nil {
				n.Close()
				t.Fatal("started with a chosen secret")
			}
			var ae *app.Error
			if !errors.As(err, &ae) || ae.Code != "join_code_weak" || ae.Message == "" {
				t.Fatalf("error %v, want code join_code_weak with a Vietnamese message", err)
			}
		})
	}
	code := peer.NewJoinCode()
	n, err := openLANNode(t, peer.FormatJoinCode(code))
	if err != nil {
		t.Fatalf("a join code as shown: %v", err)
	}
	n.Close()
}

// The first PC, started without a code, draws one and shows it to the
// admin; rotating gives a new one.
func TestFirstPCDrawsAndRotatesTheJoinCode(t *testing.T) {
	n, err := openLANNode(t, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	serve(t, n) // stopped before the Close above: cleanups run last first
	admin := clusterAdmin{n}
	ctx := context.Background()
	var first string
	deadline := time.Now().Add(15 * time.Second)
	for {
		jc, err := admin.JoinCode()
		if err == nil {
			first = jc.Code
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no join code: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := peer.ParseJoinCode(first); err != nil {
		t.Fatalf("shown code %q: %v", first, err)
	}
	jc, err := admin.RotateJoinCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if jc.Code == first || jc.Epoch != 2 {
		t.Fatalf("after rotation: %+v (first %s)", jc, first)
	}
	if now, _ := admin.JoinCode(); now.Code != jc.Code {
		t.Fatalf("shown %s after rotating to %s", now.Code, jc.Code)
	}
}
