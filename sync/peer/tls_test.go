package peer

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// The peer certificate is derived from the join secret: the same secret
// on two PCs completes a mutual handshake, a different one (or another
// commune) cannot, in either direction.
func TestPeerTLSKeyedBySecret(t *testing.T) {
	cases := []struct {
		name                   string
		srvSecret, cliSecret   string
		srvCommune, cliCommune string
		ok                     bool
	}{
		{"same secret", "secret-one-1", "secret-one-1", "14701", "14701", true},
		{"wrong secret", "secret-one-1", "secret-two-2", "14701", "14701", false},
		{"other commune", "secret-one-1", "secret-one-1", "14701", "14702", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, err := KeyedTLS(tc.srvSecret, tc.srvCommune)
			if err != nil {
				t.Fatal(err)
			}
			_, cli, err := KeyedTLS(tc.cliSecret, tc.cliCommune)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			srvErr := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					srvErr <- err
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				srvErr <- c.(*tls.Conn).Handshake()
			}()
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), cli)
			if err == nil {
				// TLS 1.3: the client learns of a refused certificate on its first read.
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.Write([]byte{ProtoRPC})
				_, err = c.Read(make([]byte, 1))
				if err != nil && tc.ok {
					err = nil // the server closed after the handshake: fine
				}
				c.Close()
			}
			sErr := <-srvErr
			if tc.ok && (err != nil || sErr != nil) {
				t.Fatalf("handshake failed: client %v, server %v", err, sErr)
			}
			if !tc.ok && sErr == nil {
				t.Fatalf("server accepted a peer with the wrong secret")
			}
		})
	}
	if _, _, err := KeyedTLS("short", "14701"); err == nil {
		t.Error("a secret shorter than 8 characters was accepted")
	}
}
