package uplink

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"xaso/app"
)

// Down IDs sort by their sequence and parse back; other IDs are not down IDs.
func TestDownID(t *testing.T) {
	a, b := DownID("14701", 9), DownID("14701", 10)
	if a >= b || DownSeq("14701", b) != 10 || DownSeq("14701", a) != 9 {
		t.Fatalf("down IDs %s %s", a, b)
	}
	for _, id := range []string{"", "hub.14704.000000000000000a", "hub.14701.xyz", "0190abcd00000000ffffffffffffffff"} {
		if DownSeq("14701", id) != 0 {
			t.Errorf("DownSeq(%q) is not 0", id)
		}
	}
}

// A signature covers the method, the URI, the nonce, the time and the body.
func TestSignVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	body := []byte("batch")
	r, _ := http.NewRequest("POST", "http://hub/api/v1/uplink/push?x=1", nil)
	Sign(r, "i1", key, time.Now(), "nonce-1", body)
	if !Verify(r, pub, body) {
		t.Fatal("a signed request does not verify")
	}
	if Verify(r, pub, []byte("batcH")) || Verify(r, other, body) {
		t.Fatal("a changed body or another key verifies")
	}
	r.Header.Set(HeaderNonce, "nonce-2")
	if Verify(r, pub, body) {
		t.Fatal("a changed nonce verifies")
	}
	r.Header.Set(HeaderNonce, "nonce-1")
	r.Header.Set(HeaderInstallation, "i2")
	if Verify(r, pub, body) {
		t.Fatal("a changed installation verifies")
	}
	r.Header.Set(HeaderInstallation, "i1")
	r.URL.RawQuery = "x=2"
	if Verify(r, pub, body) {
		t.Fatal("a changed URI verifies")
	}
}

// Encode and Decode round-trip; a decompression bomb stops at the limit.
func TestDecodeLimits(t *testing.T) {
	in := BlobsWant{Hashes: []string{"a", "b"}}
	wire, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	var out BlobsWant
	if err := Decode(wire, &out); err != nil || len(out.Hashes) != 2 {
		t.Fatalf("round trip: %v %v", out, err)
	}
	var bomb bytes.Buffer
	zw, _ := zstd.NewWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for range MaxPlainBytes>>20 + 1 {
		zw.Write(zeros)
	}
	zw.Close()
	if _, err := Decompress(bomb.Bytes()); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
	if err := Decode([]byte("not zstd"), &out); err == nil || errors.Is(err, ErrTooLarge) {
		t.Fatalf("garbage: %v", err)
	}
}

// A page of the hub's commands is applied only when every one is a kind the
// hub may send, under this commune's down IDs, after the cursor and in order.
func TestCheckDown(t *testing.T) {
	clock := app.NewClock(time.Now, 0)
	cmd := func(id, kind string, body app.Body) app.Command {
		c, err := app.NewCommand(id, kind, "hub:admin", "hub", clock.Next(), body)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	submit := func(id string) app.Command {
		return cmd(id, app.KindDossierSubmit, &app.ReceiveBody{DossierID: app.RandomID()})
	}
	for _, tc := range []struct {
		name string
		cmds []app.Command
		ok   bool
	}{
		{"online dossiers in order", []app.Command{submit(DownID("14701", 5)), submit(DownID("14701", 6))}, true},
		{"nothing", nil, true},
		{"a user from the hub", []app.Command{cmd(DownID("14701", 5), app.KindUserCreate,
			&app.UserBody{Username: "kegia", Roles: []app.Role{app.RoleAdmin}})}, false},
		{"not a down ID", []app.Command{submit("zz-not-a-hub-id")}, false},
		{"another commune's", []app.Command{submit(DownID("13285", 5))}, false},
		{"at or before the cursor", []app.Command{submit(DownID("14701", 4))}, false},
		{"out of order", []app.Command{submit(DownID("14701", 6)), submit(DownID("14701", 5))}, false},
	} {
		err := checkDown("14701", 4, tc.cmds)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		var ae *app.Error
		if err != nil && (!errors.As(err, &ae) || ae.Code != EBadAnswer) {
			t.Errorf("%s: %v, want code %s", tc.name, err, EBadAnswer)
		}
	}
}
