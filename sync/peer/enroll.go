package peer

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Enrolment: a PC that knows the join code but holds no certificate of the
// office's CA opens a TLS connection to any member (checking nothing of its
// certificate) and proves the code: an HMAC, keyed by the code, of the
// connection's exported keying material (RFC 8446 §7.5) and its node ID.
// The member checks it, then answers with its own proof and the bundle
// (the CA and the code); the joiner checks the member's proof before it
// trusts the bundle. Bound to the connection, a proof is useless on any
// other, so a PC in the middle can neither relay it nor learn the code;
// and with a code of 135 random bits, a proof captured by an impostor
// cannot be reversed by guessing.

// OpEnroll carries the join-code proof (open to non-members).
const OpEnroll byte = 7

const (
	ekmLabel    = "EXPORTER-xaso-join-v1"
	proofJoiner = "xaso join v1: joiner"
	proofMember = "xaso join v1: member"
)

// ErrBadCode answers a proof made with another code.
var ErrBadCode = errors.New("wrong join code")

type enrollRequest struct {
	NodeID string `json:"node_id"`
	Proof  []byte `json:"proof"`
}

type enrollAnswer struct {
	Proof  []byte `json:"proof"`
	Bundle Bundle `json:"bundle"`
}

func proof(code, role, node string, cs tls.ConnectionState) ([]byte, error) {
	ekm, err := cs.ExportKeyingMaterial(ekmLabel, nil, 32)
	if err != nil {
		return nil, fmt.Errorf("channel binding: %w", err)
	}
	m := hmac.New(sha256.New, []byte(code))
	m.Write([]byte(role))
	m.Write([]byte{0})
	m.Write(ekm)
	m.Write([]byte(node))
	return m.Sum(nil), nil
}

// ServeEnroll answers OpEnroll with a's bundle to a PC that proves a's
// code; refused is called for each wrong proof (a log line, rate-limited).
func ServeEnroll(a *Authority, refused func(req Request, err error)) Handler {
	return func(_ context.Context, req Request) ([]byte, error) {
		b, ok := a.Bundle()
		if !ok {
			return nil, errors.New("this PC has not joined an office yet")
		}
		var in enrollRequest
		if err := json.Unmarshal(req.Payload, &in); err != nil || in.NodeID == "" {
			return nil, errors.New("bad enrolment request")
		}
		want, err := proof(b.Code, proofJoiner, in.NodeID, req.TLS)
		if err != nil {
			return nil, err
		}
		if !hmac.Equal(want, in.Proof) {
			if refused != nil {
				refused(req, ErrBadCode)
			}
			return nil, ErrBadCode
		}
		mine, err := proof(b.Code, proofMember, in.NodeID, req.TLS)
		if err != nil {
			return nil, err
		}
		return json.Marshal(enrollAnswer{Proof: mine, Bundle: b})
	}
}

// Enroll proves code to the PC at addr and returns the office's bundle.
func Enroll(ctx context.Context, addr, code, node string) (Bundle, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	d := &Dialer{TLS: OpenTLS()}
	c, err := d.DialAddr(ctx, addr, ProtoRPC)
	if err != nil {
		return Bundle{}, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	cs := c.(*tls.Conn).ConnectionState()
	p, err := proof(code, proofJoiner, node, cs)
	if err != nil {
		return Bundle{}, err
	}
	payload, _ := json.Marshal(enrollRequest{NodeID: node, Proof: p})
	out, err := roundTrip(&rpcConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, OpEnroll, payload)
	if err != nil {
		return Bundle{}, fmt.Errorf("enrol at %s: %w", addr, err)
	}
	var ans enrollAnswer
	if err := json.Unmarshal(out, &ans); err != nil {
		return Bundle{}, fmt.Errorf("enrol at %s: %w", addr, err)
	}
	want, err := proof(code, proofMember, node, cs)
	if err != nil {
		return Bundle{}, err
	}
	if !hmac.Equal(want, ans.Proof) {
		return Bundle{}, fmt.Errorf("enrol at %s: the peer does not know the join code", addr)
	}
	if ans.Bundle.Code != code {
		// The member rotated meanwhile: its bundle carries the new code; it
		// proved the old one, which is what we asked.
		if _, err := ParseJoinCode(ans.Bundle.Code); err != nil {
			return Bundle{}, fmt.Errorf("enrol at %s: bad code in answer", addr)
		}
	}
	return ans.Bundle, nil
}
