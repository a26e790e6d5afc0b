// Package uplink is the link between a commune's office and the provincial
// hub (DESIGN §5, docs/province.md): the wire format both ends share
// (wire.go), and the client that runs on the office's Raft leader, or on a
// PC alone (client.go). The office initiates every exchange and pushes
// before it pulls; batches are JSON compressed with zstd and signed with
// the installation's Ed25519 key; every command is idempotent by its ID.
package uplink

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/klauspost/compress/zstd"

	"xaso/app"
)

// Paths of the hub's uplink API.
const (
	PathEnrol = "/api/v1/uplink/enrol" // POST EnrolRequest → EnrolResponse (the token authenticates)
	PathPush  = "/api/v1/uplink/push"  // POST PushRequest → PushResponse (signed)
	PathPull  = "/api/v1/uplink/pull"  // GET ?after=SEQ&limit=N → PullResponse (signed): the commune's down log
	PathLog   = "/api/v1/uplink/log"   // GET ?after=ID&limit=N → LogResponse (signed): every command, to rebuild an office
	// PathStatus: GET → StatusResponse (signed): what the hub last heard
	// from the office, for the PCs that do not lead it.
	PathStatus = "/api/v1/uplink/status"
	// PathNonce: GET → 204 with a fresh nonce in HeaderNonce. Every answer
	// to a signed request carries the next one too, so a busy office asks
	// here only after a failure or a hub restart.
	PathNonce = "/api/v1/uplink/nonce"
)

// StatusResponse is the hub's record of the office's last sync.
type StatusResponse struct {
	LastSync time.Time `json:"last_sync"` // zero: never
	Unsent   int       `json:"unsent"`    // the backlog the office last reported
	HubTime  time.Time `json:"hub_time"`
}

// Headers of a signed request.
const (
	HeaderInstallation = "X-Xaso-Installation"
	HeaderTime         = "X-Xaso-Time" // the office's clock, RFC 3339: the hub records the skew
	HeaderSignature    = "X-Xaso-Signature"
	HeaderKey          = "X-Xaso-Key" // the signing public key (base64), among the installation's keys
	// HeaderNonce: on a request, the hub-issued nonce the signature covers
	// (single use, minutes long: a captured request cannot be replayed); on
	// an answer, the next nonce to use.
	HeaderNonce = "X-Xaso-Nonce"
)

// Codes of the uplink's refusals that the office acts on (the hub's
// others are in sync/hub/errors.go).
const (
	ENonceStale = "nonce_stale"      // the nonce is not the hub's, or too old (a hub restart): take a new one
	EReplayed   = "request_replayed" // the nonce was used already: a replayed request
	EKeyRevoked = "installation_key_revoked"
	// EKeyReused: an enrolment with a key some installation holds or held
	// (a replacement must bring a new key): the office makes a new one.
	EKeyReused = "installation_key_reused"
	EBadAnswer = "hub_bad_answer" // the hub (or a proxy before it) answered with something not the hub's JSON
)

// Limits of a batch: what the hub accepts on the wire and once decompressed.
const (
	MaxWireBytes    = 8 << 20
	MaxPlainBytes   = 64 << 20
	MaxBatchCommand = 5000
)

// EnrolRequest binds an enrolment token to the installation's key.
type EnrolRequest struct {
	Token     string `json:"token"`
	Commune   string `json:"commune,omitempty"` // the office's commune; empty on a PC that rebuilds an office
	Node      string `json:"node"`
	PublicKey string `json:"public_key"` // base64 Ed25519
	Version   string `json:"version,omitempty"`
	// Held: the number slots the office's PCs hold already (an office that
	// worked before it was enrolled): the hub grants them if it can.
	Held []int `json:"held,omitempty"`
}

// EnrolResponse names the installation the token bound.
type EnrolResponse struct {
	Installation string `json:"installation"`
	Commune      string `json:"commune"`
	// Replacement: the token enrolled this PC as the replacement of an
	// installation that exists: it rebuilds the office from the hub's log.
	Replacement bool      `json:"replacement"`
	HubTime     time.Time `json:"hub_time"`
	// Slots are the dossier-number slots granted to the installation: the
	// hub is the authority over a commune's slots, so two installations of
	// one commune never issue the same code. The office reserves the others
	// (slot.lease held by ReservedHolder).
	Slots []int `json:"slots"`
}

// ReservedHolder holds, in an office's state, the number slots the hub
// granted to the commune's other installations.
const ReservedHolder = "hub.reserved"

// SlotsPerInstallation is how many slots the hub grants an installation.
const SlotsPerInstallation = 5

// PushRequest is a batch of commands going up, with what the office
// reports about itself for the dashboard.
type PushRequest struct {
	Commands []app.Command `json:"commands"`
	Unsent   int           `json:"unsent"` // commands not yet acknowledged, this batch included
	Version  string        `json:"version,omitempty"`
	Node     string        `json:"node"`
}

// PushResponse acknowledges a batch: every command of it is durable at the hub.
type PushResponse struct {
	Accepted   int       `json:"accepted"`   // new at the hub
	Duplicates int       `json:"duplicates"` // held already (a retry, or a command of the hub's)
	HubTime    time.Time `json:"hub_time"`
}

// PullResponse is a page of the commune's down log: the hub's commands
// (online dossiers, catalog and calendar versions) after the cursor.
type PullResponse struct {
	Commands []app.Command `json:"commands"`
	More     bool          `json:"more"`
	HubTime  time.Time     `json:"hub_time"`
}

// LogResponse is a page of every command the hub holds for the commune.
type LogResponse struct {
	Commands []app.Command `json:"commands"`
	Next     string        `json:"next"` // the ID to ask after; "" at the end
}

// DownID is the ID of the seq-th command of commune's down log. The IDs sort
// by seq (fixed width), so an office's greatest applied ID with DownPrefix
// is its pull cursor, replicated with the commands themselves.
func DownID(commune string, seq uint64) string {
	return fmt.Sprintf("%s%016x", DownPrefix(commune), seq)
}

// DownPrefix is the ID prefix of commune's down commands.
func DownPrefix(commune string) string { return "hub." + commune + "." }

// DownSeq parses the seq of a down command ID; 0 when id is not one.
func DownSeq(commune, id string) uint64 {
	p := DownPrefix(commune)
	if len(id) != len(p)+16 || id[:len(p)] != p {
		return 0
	}
	var seq uint64
	if _, err := fmt.Sscanf(id[len(p):], "%016x", &seq); err != nil {
		return 0
	}
	return seq
}

// signed is what a signature covers: the installation it speaks for, the
// request, the hub's nonce, the office's clock (for the skew only: office
// clocks are wrong by hours, so freshness comes from the nonce) and the
// body's hash.
func signed(installation, method, uri, nonce, at string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte("xaso-uplink-v3\n" + installation + "\n" + method + "\n" + uri + "\n" + nonce + "\n" + at + "\n" + hex.EncodeToString(sum[:]))
}

// signedV2 is what offices before v3 signed: without the installation. The
// hub still takes it, as a key serves one installation only (the hub
// refuses to bind a key twice), so the header cannot point a v2 signature
// at another installation's keys.
func signedV2(method, uri, nonce, at string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte("xaso-uplink-v2\n" + method + "\n" + uri + "\n" + nonce + "\n" + at + "\n" + hex.EncodeToString(sum[:]))
}

// Sign sets the signature headers of r, whose body is body, over nonce.
func Sign(r *http.Request, installation string, key ed25519.PrivateKey, at time.Time, nonce string, body []byte) {
	ts := at.UTC().Format(time.RFC3339Nano)
	r.Header.Set(HeaderInstallation, installation)
	r.Header.Set(HeaderTime, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderKey, base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)))
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(key, signed(installation, r.Method, r.URL.RequestURI(), nonce, ts, body))))
}

// Verify checks r's signature, made by pub, over body.
func Verify(r *http.Request, pub ed25519.PublicKey, body []byte) bool {
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return false
	}
	uri, nonce, at := r.URL.RequestURI(), r.Header.Get(HeaderNonce), r.Header.Get(HeaderTime)
	return ed25519.Verify(pub, signed(r.Header.Get(HeaderInstallation), r.Method, uri, nonce, at, body), sig) ||
		ed25519.Verify(pub, signedV2(r.Method, uri, nonce, at, body), sig)
}

// Encode is v as JSON compressed with zstd.
func Encode(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(raw, make([]byte, 0, len(raw)/4)), nil
}

// ErrTooLarge is a body larger than the limits once decompressed.
var ErrTooLarge = errors.New("batch too large")

// Decompress reads a zstd body of at most MaxPlainBytes once decompressed
// (a decompression bomb stops there).
func Decompress(wire []byte) ([]byte, error) {
	dec, err := zstd.NewReader(bytes.NewReader(wire), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(MaxPlainBytes), zstd.WithDecoderMaxWindow(8<<20))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	raw, err := io.ReadAll(io.LimitReader(dec, MaxPlainBytes+1))
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			return nil, ErrTooLarge
		}
		return nil, err
	}
	if len(raw) > MaxPlainBytes {
		return nil, ErrTooLarge
	}
	return raw, nil
}

// Decode decompresses wire and decodes it strictly into v.
func Decode(wire []byte, v any) error {
	raw, err := Decompress(wire)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// Scans (attachments) by SHA-256, after the commands.
const (
	PathBlobsWant = "/api/v1/uplink/blobs/want" // POST BlobsWant → BlobsWant: the hashes the hub lacks (signed)
	PathBlobs     = "/api/v1/uplink/blobs/"     // PUT/GET …/{sha256}: one scan, raw (signed)
	MaxBlobBytes  = 32 << 20
	ContentType   = "application/vnd.xaso.uplink+zstd"
)

// BlobsWant lists scan hashes: asked about, or missing.
type BlobsWant struct {
	Hashes []string `json:"hashes"`
}
