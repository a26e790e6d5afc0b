package peer

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// peerName is the TLS server name every peer presents and checks.
const peerName = "xaso-peer"

// MinSecretLen is the shortest join secret accepted.
const MinSecretLen = 8

// ErrNoSecret is returned when the cluster is started without a join secret.
var ErrNoSecret = errors.New("cluster: XASO_JOIN_SECRET is not set (at least 8 characters)")

// KeyedTLS derives, from the commune's join secret, one Ed25519 key and one
// self-signed certificate that every PC of the commune computes alike
// (Ed25519 signatures and the fields below are deterministic). Each peer
// presents it and accepts only it, both ways (mutual TLS 1.3): a PC that
// does not know the secret cannot complete a handshake, so it can neither
// join, read the Raft log nor propose.
func KeyedTLS(secret, commune string) (server, client *tls.Config, err error) {
	if len(secret) < MinSecretLen {
		return nil, nil, ErrNoSecret
	}
	seed, err := hkdf.Key(sha256.New, []byte(secret), []byte("xaso/"+commune), "xaso peer tls v1", ed25519.SeedSize)
	if err != nil {
		return nil, nil, fmt.Errorf("derive peer key: %w", err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: peerName, Organization: []string{"xaso commune " + commune}},
		DNSNames:              []string{peerName},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), // PCs' clocks are often wrong
		NotAfter:              time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("derive peer certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	pair := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
	server = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: pool, MinVersion: tls.VersionTLS13}
	client = &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, ServerName: peerName,
		MinVersion: tls.VersionTLS13}
	return server, client, nil
}
