package hub_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xaso/build/testkit"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hub.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "hub.crt"), filepath.Join(dir, "hub.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// The link over TLS end to end: `xaso hub --tls-cert/--tls-key`, an office
// with `--hub https://…` trusting the hub's certificate (--hub-ca) enrols
// and syncs; an office that does not trust it never gets through, and says
// the hub is unreachable.
func TestTLSLink(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	addr := freeAddr(t)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	hub := startAt(t, "https://"+addr, client, []string{"XASO_HUB_ADMIN_PASSWORD=" + hubPassword},
		"hub", "--data", hubDir, "--listen", addr, "--tls-cert", certFile, "--tls-key", keyFile)
	prev := http.DefaultClient
	http.DefaultClient = client // the helpers below speak to the hub over TLS
	t.Cleanup(func() { http.DefaultClient = prev })
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)

	untrusting := startNode(t, t.TempDir(), hub.url, token, "--commune", "14701")
	testkit.Eventually(t, 20*time.Second, "an office that does not trust the hub's certificate", func() error {
		up := must(t, 200, untrusting.url, "", "GET", "/api/v1/health", nil)["uplink"].(map[string]any)
		if up["problem"] != "hub_unreachable" || up["online"] != false {
			return fmt.Errorf("%v", up)
		}
		return nil
	})
	untrusting.kill()
	if st, out := enrolRaw(t, hub, token, "14701", newKey(t)); st != 200 {
		t.Fatalf("the token after an office that could not reach the hub: %d %v", st, out) // nothing was bound
	}
	token = must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	node := startNode(t, nodeDir, hub.url, token, "--commune", "14701", "--hub-ca", certFile)
	admin := login(t, node.url, "admin", nodePassword)
	receive(t, node, desk(t, node), 3)
	synced(t, node, hub, admin, it, 30*time.Second)
}
