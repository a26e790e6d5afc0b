package peer

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The office's own certificate authority: the first PC draws a random CA
// key and the join code; a PC that proves it knows the code (enroll.go)
// receives both and issues itself a certificate. Peers then accept only
// certificates of the office's CA, both ways (mutual TLS 1.3), and a
// stranger sees a certificate whose key is random: nothing derived from
// the code, so nothing to test guesses against offline. Rotating the code
// draws a new CA, so a PC removed before the rotation is locked out.

// peerName is the TLS server name every peer certificate carries.
const peerName = "xaso-peer"

// Bundle is what a member hands a PC that proved the join code: the
// office's CA and its current code, numbered by Epoch (each rotation adds one).
type Bundle struct {
	Epoch  int    `json:"epoch"`
	Code   string `json:"code"`
	CACert []byte `json:"ca_cert"` // DER
	CAKey  []byte `json:"ca_key"`  // Ed25519 seed
}

// credentials are a member's bundle and its own certificate, kept in a
// file readable by the PC's user only.
type credentials struct {
	Bundle
	Cert    []byte   `json:"cert"`              // DER, issued by the CA for this node
	Key     []byte   `json:"key"`               // Ed25519 seed
	Retired []string `json:"retired,omitempty"` // SHA-256 (hex) of the codes rotated away here
}

// Authority holds this PC's peer credentials and checks its peers'.
type Authority struct {
	path    string
	node    string
	commune string

	mu     sync.RWMutex
	creds  *credentials
	ca     *x509.CertPool
	leaf   *tls.Certificate // this PC's certificate: CA-issued, or random until it has one
	member bool
	gen    atomic.Uint64 // counts installs (Generation)
}

// LoadAuthority reads the credentials kept at path (none yet is fine).
func LoadAuthority(path, node, commune string) (*Authority, error) {
	a := &Authority{path: path, node: node, commune: commune}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return a, a.install(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("peer credentials %s: %w", path, err)
	}
	if err := a.install(&c); err != nil {
		return nil, fmt.Errorf("peer credentials %s: %w", path, err)
	}
	return a, nil
}

// Enrolled reports whether this PC holds a certificate of the office's CA.
func (a *Authority) Enrolled() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.member
}

// Code is the office's current join code and its epoch ("" before enrolment).
func (a *Authority) Code() (string, int) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.creds == nil {
		return "", 0
	}
	return a.creds.Code, a.creds.Epoch
}

// Bundle is what this PC hands an enrolling PC.
func (a *Authority) Bundle() (Bundle, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.creds == nil {
		return Bundle{}, false
	}
	return a.creds.Bundle, true
}

// Create makes this PC the first of its office: a new CA, with code (a
// new one when empty) at epoch 1.
func (a *Authority) Create(code string) error {
	if code == "" {
		code = NewJoinCode()
	}
	b, err := newBundle(code, a.commune, 1)
	if err != nil {
		return err
	}
	return a.Adopt(b)
}

// Rotate draws a new code and a new CA at the next epoch and returns them
// without adopting them (the caller hands them to the members first).
func (a *Authority) Rotate() (Bundle, error) {
	_, epoch := a.Code()
	return newBundle(NewJoinCode(), a.commune, epoch+1)
}

// Adopt takes the office's CA and code, issues this PC a certificate and
// keeps both.
func (a *Authority) Adopt(b Bundle) error {
	caCert, err := x509.ParseCertificate(b.CACert)
	if err != nil {
		return fmt.Errorf("office CA: %w", err)
	}
	if len(b.CAKey) != ed25519.SeedSize {
		return errors.New("office CA: bad key")
	}
	caKey := ed25519.NewKeyFromSeed(b.CAKey)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: a.node, Organization: []string{"xaso commune " + a.commune}},
		DNSNames:     []string{peerName},
		NotBefore:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), // PCs' clocks are often wrong
		NotAfter:     time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return fmt.Errorf("issue peer certificate: %w", err)
	}
	c := &credentials{Bundle: b, Cert: der, Key: key.Seed()}
	if old := a.current(); old != nil {
		c.Retired = old.Retired
		if old.Code != b.Code {
			c.Retired = append(c.Retired, codeHash(old.Code))
		}
	}
	if err := a.save(c); err != nil {
		return err
	}
	return a.install(c)
}

func (a *Authority) current() *credentials {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.creds
}

// Retired reports whether code was the office's before a rotation this PC
// took part in: such a code must not bring it back to an office that has
// one (the XASO_JOIN_SECRET it was started with, say).
func (a *Authority) Retired(code string) bool {
	c := a.current()
	return c != nil && slices.Contains(c.Retired, codeHash(code))
}

func codeHash(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

func (a *Authority) save(c *credentials) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return fmt.Errorf("save peer credentials: %w", err)
	}
	if err := WriteFileDurable(a.path, data, 0o600); err != nil {
		return fmt.Errorf("save peer credentials: %w", err)
	}
	return nil
}

// install makes c current; nil gives this PC a random self-signed
// certificate to answer strangers' and joiners' handshakes with.
func (a *Authority) install(c *credentials) error {
	var leaf tls.Certificate
	pool := x509.NewCertPool()
	if c == nil {
		var err error
		if leaf, err = selfSigned(a.node); err != nil {
			return err
		}
	} else {
		ca, err := x509.ParseCertificate(c.CACert)
		if err != nil {
			return err
		}
		pool.AddCert(ca)
		cert, err := x509.ParseCertificate(c.Cert)
		if err != nil {
			return err
		}
		leaf = tls.Certificate{Certificate: [][]byte{c.Cert}, PrivateKey: ed25519.NewKeyFromSeed(c.Key), Leaf: cert}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.creds, a.ca, a.leaf, a.member = c, pool, &leaf, c != nil
	a.gen.Add(1)
	return nil
}

// Generation changes each time this PC takes new credentials (a peer's
// membership may have changed with them).
func (a *Authority) Generation() uint64 { return a.gen.Load() }

// Verify checks that certs (a peer's chain, leaf first) were issued by the
// office's current CA, and returns the peer's node ID.
func (a *Authority) Verify(certs []*x509.Certificate) (string, error) {
	a.mu.RLock()
	pool, member := a.ca, a.member
	a.mu.RUnlock()
	if len(certs) == 0 {
		return "", errors.New("no certificate")
	}
	if !member {
		return "", errors.New("this PC has not joined an office yet")
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		CurrentTime: certs[0].NotBefore.Add(time.Hour)})
	if err != nil {
		return "", err
	}
	return certs[0].Subject.CommonName, nil
}

// Member reports whether a connection's peer holds a certificate of the
// office's current CA.
func (a *Authority) Member(cs tls.ConnectionState) bool {
	_, err := a.Verify(cs.PeerCertificates)
	return err == nil
}

func (a *Authority) certificate() *tls.Certificate {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.leaf
}

// ServerTLS is the peer port's configuration: it shows this PC's
// certificate and asks for the client's, which each request checks
// (Member), so that a joiner without one can still prove the join code.
func (a *Authority) ServerTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		ClientAuth: tls.RequestClientCert,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return a.certificate(), nil
		},
	}
}

// MemberTLS dials members: it shows this PC's certificate and accepts
// only a server with a certificate of the office's CA.
func (a *Authority) MemberTLS() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // checked by VerifyConnection against the office's CA
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if !a.Enrolled() {
				return &tls.Certificate{}, nil
			}
			return a.certificate(), nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			if _, err := a.Verify(cs.PeerCertificates); err != nil {
				return fmt.Errorf("peer is not a member of this office: %w", err)
			}
			return nil
		},
	}
}

// OpenTLS dials a PC whose office is not known yet: no certificate is
// shown and none is checked, so only public questions (who are you) and
// the join-code proof, which binds itself to the connection, use it.
func OpenTLS() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}
}

func newBundle(code, commune string, epoch int) (Bundle, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Bundle{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: fmt.Sprintf("xaso office CA %s #%d", commune, epoch)},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return Bundle{}, fmt.Errorf("create office CA: %w", err)
	}
	return Bundle{Epoch: epoch, Code: code, CACert: der, CAKey: key.Seed()}, nil
}

// selfSigned is a throwaway certificate with a random key.
func selfSigned(node string) (tls.Certificate, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: node},
		DNSNames: []string{peerName}, NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}
