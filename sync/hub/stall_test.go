package hub_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"xaso/app/argon2id"
	"xaso/sync/hub"
	"xaso/sync/uplink"
)

// A client that stalls (half a header, or half a batch) is cut off after
// the read timeout, and the hub answers others meanwhile.
func TestStalledClientsAreCutOff(t *testing.T) {
	db := openStorage(t)
	h, err := hub.New(hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		ReadTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx, l, "", "") }()
	defer func() { cancel(); <-served }()

	stalls := []string{
		"GET /api/v1/health HTTP/1.1\r\nHost: hub\r\n",                                                     // the header never ends
		fmt.Sprintf("POST %s HTTP/1.1\r\nHost: hub\r\nContent-Length: 100000\r\n\r\nabc", uplink.PathPush), // the body never comes
	}
	for _, s := range stalls {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		res, err := http.Get("http://" + l.Addr().String() + "/api/v1/health") // others are served meanwhile
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("health while a client stalls: %v %v", res, err)
		}
		res.Body.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		began := time.Now()
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				break // closed by the hub (or an answer, then closed)
			}
		}
		if took := time.Since(began); took > 3*time.Second {
			t.Fatalf("a stalled client held its connection %v", took)
		}
	}
}
