package hub

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"xaso/app"
	"xaso/sync/uplink"
)

// Nonces make a signed request single-use without trusting the office's
// clock (office clocks are wrong by hours). The hub hands out nonces —
// its own clock's time, random bytes and an HMAC under a secret made at
// start — and the office's signature covers one. A nonce is accepted once,
// within nonceTTL of its issue by the hub's clock; the used ones are
// remembered until they expire. Issuing keeps no state (anyone may ask),
// and only requests whose signature checked out are remembered, so the
// table grows with real offices' traffic only. A hub restart makes a new
// secret: every nonce issued before is stale, the office takes a new one.
const nonceTTL = 5 * time.Minute

type nonces struct {
	secret [32]byte
	mu     sync.Mutex
	used   map[string]time.Time // nonce → when it expires
}

func newNonces() *nonces {
	n := &nonces{used: map[string]time.Time{}}
	if _, err := rand.Read(n.secret[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return n
}

const nonceRand = 12

func (n *nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.secret[:])
	m.Write([]byte("xaso-uplink-nonce\x00"))
	m.Write(b)
	return m.Sum(nil)[:16]
}

// issue makes a nonce at now.
func (n *nonces) issue(now time.Time) string {
	b := make([]byte, 8+nonceRand, 8+nonceRand+16)
	binary.BigEndian.PutUint64(b, uint64(now.Unix()))
	if _, err := rand.Read(b[8:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(append(b, n.mac(b)...))
}

var errNonceStale = app.Errorf(uplink.ENonceStale, "", "Mã dùng một lần (nonce) của yêu cầu không hợp lệ hoặc đã hết hạn; máy văn phòng sẽ xin mã mới.",
	"the request's nonce is not this hub's or has expired: take a new one")

var errReplayed = app.Errorf(uplink.EReplayed, "", "Yêu cầu này đã được gửi trước đó (bị phát lại): máy chủ tỉnh không thực hiện lại.",
	"this request was sent before (a replay): the hub does not carry it out again")

// use accepts nonce once, at now.
func (n *nonces) use(nonce string, now time.Time) error {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 8+nonceRand+16 || !hmac.Equal(n.mac(b[:8+nonceRand]), b[8+nonceRand:]) {
		return errNonceStale
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	if now.Sub(issued) > nonceTTL || issued.Sub(now) > time.Minute {
		return errNonceStale
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.used[nonce]; ok {
		return errReplayed
	}
	if len(n.used) >= 4096 {
		for k, exp := range n.used {
			if now.After(exp) {
				delete(n.used, k)
			}
		}
	}
	n.used[nonce] = issued.Add(nonceTTL + time.Second)
	return nil
}
