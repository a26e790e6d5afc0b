package uplink_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"xaso/app"
	"xaso/store"
	"xaso/sync/uplink"
)

// officeStore is a real store of a PC of commune 14701.
func officeStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(store.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := app.NewClock(time.Now, 0)
	c, err := app.NewCommand(app.RandomID(), app.KindCommuneConfigure, "system", st.NodeID(), clock.Next(),
		&app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Append(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return st
}

func newUplink(t *testing.T, st *store.Store, hub string) *uplink.Uplink {
	t.Helper()
	return newUplinkToken(t, st, hub, "AAAA-BBBB-CCCC")
}

func newUplinkToken(t *testing.T, st *store.Store, hub, token string) *uplink.Uplink {
	t.Helper()
	clock := app.NewClock(time.Now, 0)
	u, err := uplink.New(uplink.Config{Hub: hub, Token: token, Source: st, Log: st,
		NewCommand: func(kind string, body app.Body) (app.Command, error) {
			return app.NewCommand(app.RandomID(), kind, "system", st.NodeID(), clock.Next(), body)
		}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The office makes its key and keeps it before it first asks the hub: the
// answer lost (here a proxy's 502 page), the retry binds the same key, and
// only its public part ever goes out. A refusal that is not the hub's JSON
// has a stable code, not an empty one.
func TestEnrolKeepsKeyAndCodesProxyPages(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	proxyDown := true
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, raw)
		if proxyDown {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"error":{"code":"enrolment_token_used","message":"Mã đăng ký này đã được dùng"}}`)
	}))
	defer hub.Close()
	st := officeStore(t)
	u := newUplink(t, st, hub.URL)
	err := u.Sync(context.Background())
	if code := app.ErrorCode(err); code != uplink.EBadAnswer {
		t.Fatalf("a 502 page: code %q (%v)", code, err)
	}
	key, ok, err := st.InstallKey()
	if err != nil || !ok {
		t.Fatalf("no key kept before the enrolment: %v", err)
	}
	mu.Lock()
	proxyDown = false
	mu.Unlock()
	// A new run of the uplink (a restart) binds the same key.
	if code := app.ErrorCode(newUplink(t, st, hub.URL).Sync(context.Background())); code != "enrolment_token_used" {
		t.Fatalf("the hub's own refusal: %q", code)
	}
	pub := base64.StdEncoding.EncodeToString(key.Key().Public().(ed25519.PublicKey))
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 {
		t.Fatalf("%d enrolments sent, want 2", len(bodies))
	}
	for i, b := range bodies {
		var req uplink.EnrolRequest
		if err := json.Unmarshal(b, &req); err != nil || req.PublicKey != pub {
			t.Fatalf("enrolment %d: %s (%v), want public key %s", i, b, err, pub)
		}
		if bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(key.Seed))) {
			t.Fatalf("enrolment %d carries the private key", i)
		}
	}
	if again, _, _ := st.InstallKey(); !bytes.Equal(again.Seed, key.Seed) {
		t.Fatal("the key changed between attempts")
	}
}
