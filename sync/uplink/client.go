package uplink

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"xaso/app"
)

// Source is what the uplink reads of the office's store (store/uplink.go).
type Source interface {
	NodeID() string
	Commune() (app.CommuneConfig, bool, error)
	Installation() (app.Installation, bool, error)
	// InstallKey is the office's signing key (app.KindInstallKey), made
	// here before the first enrolment and replicated inside the office.
	InstallKey() (app.InstallKey, bool, error)
	// Unsent reads the index of commands the hub has not acknowledged; an
	// uplink.sent command (appended through Log) takes IDs out of it on
	// every PC of the office.
	Unsent(after string, limit int) ([]app.Command, int, error)
	LastCommandID(prefix string) (string, error)
	AttachmentHashes() ([]string, error)
	Slots() ([]app.SlotLease, error)
	// SetReplaced records, on a PC rebuilt from the hub, the PCs of the lost
	// office: their number slots are the installation's, and this PC takes
	// them over when it needs one (app/node's slotGate).
	SetReplaced(nodes []string) error
	// Apply takes commands of a rebuild (not this PC's own: nothing to
	// replicate or send again).
	Apply(ctx context.Context, cmds ...app.Command) error
}

// Log applies the hub's commands as the office's own writes are: durable
// here, and through Raft to the other PCs when clustered.
type Log interface {
	Append(ctx context.Context, cmds ...app.Command) error
}

// Blobs are the office's scans by SHA-256 (store.Blobs).
type Blobs interface {
	HasBlob(hash string) (bool, error)
	Blob(hash string) (io.ReadCloser, error)
	Put(hash string, r io.Reader, limit int64) error
}

// Config sets up the uplink.
type Config struct {
	Hub    string // base URL: https://hub.example (TLS), or http:// to a reverse proxy or a test
	Token  string // XASO_ENROL_TOKEN: needed once, before the office has its identity
	Source Source
	Log    Log
	Blobs  Blobs // nil: scans stay in the office
	// Leader says whether this PC runs the uplink now: the office's Raft
	// leader, or a PC alone.
	Leader func() bool
	// NewCommand stamps a command of this PC (the key and the identity at
	// enrolment).
	NewCommand func(kind string, body app.Body) (app.Command, error)
	Version    string
	Now        func() time.Time
	Logger     *slog.Logger
	Client     *http.Client  // nil: one with a 60 s timeout
	Interval   time.Duration // between syncs once drained; 0: 30 s
	MinBackoff time.Duration // after a failure, doubling with jitter; 0: 2 s
	MaxBackoff time.Duration // 0: 5 min
	Batch      int           // commands per push; 0: 1000
}

// Status is the uplink's part of /health.
type Status struct {
	Configured bool
	Online     bool
	Unsent     int
	LastSync   time.Time // zero: never
	SkewMS     int64     // the hub's clock minus this PC's, at the last exchange
	Problem    string    // the code of the last failure, if any
}

// Uplink syncs the office with the hub.
type Uplink struct {
	cfg  Config
	log  *slog.Logger
	kick chan struct{}

	mu       sync.Mutex
	status   Status
	hubHas   map[string]bool // scans the hub holds, as far as this run knows
	followed time.Time       // when a follower last asked the hub (follow)
	nonce    string          // the hub's next nonce, single use ("" : ask for one)
	checked  bool            // the configured token was checked against the office's key this run
}

// New checks the configuration and returns an uplink; Run it.
func New(cfg Config) (*Uplink, error) {
	if cfg.Hub == "" || cfg.Source == nil || cfg.Log == nil || cfg.NewCommand == nil {
		return nil, errors.New("uplink: hub, source, log and NewCommand are required")
	}
	cfg.Hub = strings.TrimRight(cfg.Hub, "/")
	if cfg.Leader == nil {
		cfg.Leader = func() bool { return true }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.Interval == 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 2 * time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.Batch == 0 {
		cfg.Batch = 1000
	}
	return &Uplink{cfg: cfg, log: cfg.Logger.With("service", "uplink"), kick: make(chan struct{}, 1),
		status: Status{Configured: true}, hubHas: map[string]bool{}}, nil
}

// Status returns the uplink's state for /health.
func (u *Uplink) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.status
}

// Kick asks for a sync soon (new commands to send).
func (u *Uplink) Kick() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// Run syncs while this PC leads the office, until ctx ends: after a
// failure it waits a back-off that doubles, with jitter, up to MaxBackoff.
func (u *Uplink) Run(ctx context.Context) error {
	backoff := u.cfg.MinBackoff
	for ctx.Err() == nil {
		wait, kick := u.cfg.Interval, u.kick
		if u.cfg.Leader() {
			err := u.Sync(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				u.setOnline(false, app.ErrorCode(err))
				u.log.Warn("sync with the hub failed", "err", err, "retry_in", backoff)
				wait = backoff/2 + rand.N(backoff/2+1) // jitter: PCs of many communes do not retry in step
				backoff = min(2*backoff, u.cfg.MaxBackoff)
				kick = nil // new commands do not shorten the back-off
			} else {
				backoff = u.cfg.MinBackoff
			}
		} else {
			u.follow(ctx)
			wait = min(wait, time.Second) // look again soon: leadership moves
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-kick:
			t.Stop()
		case <-t.C:
		}
	}
	return nil
}

func (u *Uplink) setOnline(ok bool, problem string) {
	u.mu.Lock()
	u.status.Online, u.status.Problem = ok, problem
	u.mu.Unlock()
}

// Sync runs one exchange: identity, push every unsent command, scans,
// then pull the hub's commands.
func (u *Uplink) Sync(ctx context.Context) error {
	inst, key, err := u.identity(ctx)
	if err != nil {
		return err
	}
	if err := u.push(ctx, inst.ID, key); err != nil {
		return err
	}
	if err := u.pushBlobs(ctx, inst.ID, key); err != nil {
		return err
	}
	if err := u.pull(ctx, inst, key); err != nil {
		return err
	}
	u.mu.Lock()
	u.status.Online, u.status.Problem, u.status.LastSync = true, "", u.cfg.Now()
	u.mu.Unlock()
	return nil
}

var errNotEnrolled = app.Errorf("not_enrolled", "XASO_ENROL_TOKEN",
	"Văn phòng chưa đăng ký với máy chủ tỉnh: đặt mã đăng ký XASO_ENROL_TOKEN do bộ phận CNTT của tỉnh cấp.",
	"the office is not enrolled with the hub: set XASO_ENROL_TOKEN to the token provincial IT issued")

var errNoKey = app.Errorf("installation_key_missing", "XASO_ENROL_TOKEN",
	"Văn phòng đã đăng ký nhưng không còn khóa ký của mình: hãy xin bộ phận CNTT của tỉnh mã đăng ký thay thế (--replaces) và đặt vào XASO_ENROL_TOKEN.",
	"the office is enrolled but holds no signing key: ask provincial IT for a replacement token (--replaces) and set XASO_ENROL_TOKEN")

var errNeedsCommune = app.Errorf("commune_not_set_up", "commune",
	"Mã đăng ký này dành cho một văn phòng mới, không phải để dựng lại văn phòng: hãy khởi động lại với --commune MÃ_XÃ và XASO_ADMIN_PASSWORD.",
	"this token enrols a new office, not a rebuild: start again with --commune CODE and XASO_ADMIN_PASSWORD")

// push sends every unsent command, batch by batch; each batch the hub
// acknowledged is marked sent, so a cut link resumes after it.
func (u *Uplink) push(ctx context.Context, inst string, key ed25519.PrivateKey) error {
	after, sent, total := "", 0, 0
	for {
		cmds, left, err := u.cfg.Source.Unsent(after, u.cfg.Batch)
		if err != nil {
			return err
		}
		if after == "" {
			total = left
		}
		u.mu.Lock()
		u.status.Unsent = total - sent
		u.mu.Unlock()
		if len(cmds) == 0 {
			return nil
		}
		total = sent + left
		body, err := Encode(PushRequest{Commands: cmds, Unsent: total - sent, Version: u.cfg.Version, Node: u.cfg.Source.NodeID()})
		if err != nil {
			return err
		}
		var res PushResponse
		if err := u.signed(ctx, http.MethodPost, PathPush, inst, key, body, &res); err != nil {
			return err
		}
		ids := make([]string, len(cmds))
		for i, c := range cmds {
			ids[i] = c.ID
		}
		if err := u.markSent(ctx, ids); err != nil {
			return err
		}
		sent += len(cmds)
		after = ids[len(ids)-1]
		u.mu.Lock()
		u.status.Unsent = total - sent
		u.mu.Unlock()
	}
}

// markSent records through the office's log (Raft when clustered) that
// the hub holds the commands with these IDs: an office-only uplink.sent
// command, so a new leader carries on where this one stopped.
func (u *Uplink) markSent(ctx context.Context, ids []string) error {
	c, err := u.cfg.NewCommand(app.KindUplinkSent, &app.UplinkSent{IDs: ids})
	if err != nil {
		return err
	}
	c.ID = app.UplinkSentPrefix + app.RandomID()
	if err := u.cfg.Log.Append(ctx, c); err != nil {
		return fmt.Errorf("record what the hub holds: %w", err)
	}
	return nil
}

// pull applies the hub's commands after the office's cursor (the greatest
// down ID it holds, replicated with the commands).
func (u *Uplink) pull(ctx context.Context, inst app.Installation, key ed25519.PrivateKey) error {
	for {
		last, err := u.cfg.Source.LastCommandID(DownPrefix(inst.Commune))
		if err != nil {
			return err
		}
		var res PullResponse
		path := fmt.Sprintf("%s?after=%d", PathPull, DownSeq(inst.Commune, last))
		if err := u.signed(ctx, http.MethodGet, path, inst.ID, key, nil, &res); err != nil {
			return err
		}
		if err := checkDown(inst.Commune, DownSeq(inst.Commune, last), res.Commands); err != nil {
			return err
		}
		if len(res.Commands) > 0 {
			if err := u.cfg.Log.Append(ctx, res.Commands...); err != nil {
				return fmt.Errorf("apply the hub's commands: %w", err)
			}
			u.log.Info("applied commands from the hub", "count", len(res.Commands)) // never sent back: the store leaves IDs hub.… out of its index
		}
		if !res.More {
			return nil
		}
	}
}

// checkDown refuses a page of the hub's commands unless every one is a
// kind the hub may send down, under this commune's down IDs, after the
// office's cursor and in order: a hub (or whatever answers in its place)
// cannot write users, dossiers of the office or another commune's commands
// into the office. The whole page is refused and nothing is applied.
func checkDown(commune string, after uint64, cmds []app.Command) error {
	for _, c := range cmds {
		k, ok := app.LookupKind(c.Kind)
		seq := DownSeq(commune, c.ID)
		if !ok || !k.FromHub || seq <= after {
			return app.Errorf(EBadAnswer, "", "Máy chủ tỉnh gửi xuống một lệnh không được phép (%s, %s): không áp dụng trang này.",
				"the hub sent down a command it may not send (%s, %s): the page is not applied", c.Kind, c.ID)
		}
		after = seq
	}
	return nil
}

// signed sends a signed request and decodes the compressed answer into out.
func (u *Uplink) signed(ctx context.Context, method, path, inst string, key ed25519.PrivateKey, body []byte, out any) error {
	res, err := u.send(ctx, method, path, inst, key, body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, MaxWireBytes+1))
	if err != nil {
		return fmt.Errorf("read the hub's answer: %w", err)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if raw, err = Decompress(raw); err != nil {
		return fmt.Errorf("the hub's answer: %w", err)
	}
	return json.Unmarshal(raw, out)
}

// send signs and sends a request over the hub's next nonce and returns
// the hub's 2xx answer, whose body the caller closes. A nonce the hub no
// longer knows (it restarted) is replaced once, transparently.
func (u *Uplink) send(ctx context.Context, method, path, inst string, key ed25519.PrivateKey, body []byte) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		nonce, err := u.nextNonce(ctx, inst)
		if err != nil {
			return nil, err
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		r, err := http.NewRequestWithContext(ctx, method, u.cfg.Hub+path, rd)
		if err != nil {
			return nil, err
		}
		if body != nil {
			r.Header.Set("Content-Type", ContentType)
		}
		Sign(r, inst, key, u.cfg.Now(), nonce, body)
		res, err := u.roundTrip(r)
		if err != nil && attempt == 0 && app.ErrorCode(err) == ENonceStale {
			continue
		}
		return res, err
	}
}

// nextNonce takes the nonce the hub gave with its last answer, or asks for one.
func (u *Uplink) nextNonce(ctx context.Context, inst string) (string, error) {
	if n := u.takeNonce(); n != "" {
		return n, nil
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.cfg.Hub+PathNonce, nil)
	if err != nil {
		return "", err
	}
	r.Header.Set(HeaderInstallation, inst)
	if err := u.do(r, nil, false); err != nil {
		return "", err
	}
	if n := u.takeNonce(); n != "" {
		return n, nil
	}
	return "", app.Errorf(EBadAnswer, "", "Máy chủ tỉnh không cấp mã dùng một lần (nonce) cho yêu cầu.", "the hub gave no nonce")
}

func (u *Uplink) takeNonce() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.nonce
	u.nonce = ""
	return n
}

// HubError is a refusal from the hub, with its code.
type HubError struct {
	Status  int
	Code    string
	Message string
}

func (e *HubError) Error() string {
	return fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Code, e.Message)
}

// do sends r and decodes the answer (zstd when compressed) into out.
func (u *Uplink) do(r *http.Request, out any, compressed bool) error {
	res, err := u.roundTrip(r)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, MaxWireBytes+1))
	if err != nil {
		return fmt.Errorf("read the hub's answer: %w", err)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if compressed {
		if raw, err = Decompress(raw); err != nil {
			return fmt.Errorf("the hub's answer: %w", err)
		}
	}
	return json.Unmarshal(raw, out)
}

// roundTrip sends r and returns a 2xx answer, whose body the caller
// closes; a refusal is an app.Error with the hub's code, or EBadAnswer when
// the body is not the hub's JSON (a proxy's page, a 502).
func (u *Uplink) roundTrip(r *http.Request) (*http.Response, error) {
	res, err := u.cfg.Client.Do(r)
	if err != nil {
		return nil, app.Errorf("hub_unreachable", "", "Không kết nối được máy chủ tỉnh.", "the hub is unreachable").WithCause(err)
	}
	if hub, err := time.Parse(time.RFC1123, res.Header.Get("Date")); err == nil {
		u.mu.Lock()
		u.status.SkewMS = hub.Sub(u.cfg.Now()).Milliseconds()
		u.mu.Unlock()
	}
	if n := res.Header.Get(HeaderNonce); n != "" {
		u.mu.Lock()
		u.nonce = n
		u.mu.Unlock()
	}
	if res.StatusCode/100 == 2 {
		return res, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	he := &HubError{Status: res.StatusCode}
	if json.Unmarshal(raw, &e) == nil && e.Error.Code != "" {
		he.Code, he.Message = e.Error.Code, e.Error.Message
		return nil, app.Errorf(he.Code, "", "Máy chủ tỉnh từ chối: %s", "the hub refused: %s", he.Error()).WithCause(he)
	}
	he.Code = EBadAnswer
	return nil, app.Errorf(EBadAnswer, "", "Máy chủ tỉnh (hoặc máy trung gian trước nó) trả lời không đúng dạng: HTTP %d.",
		"the hub, or a proxy before it, answered HTTP %d without the hub's error", res.StatusCode).WithCause(he)
}

// follow is what a PC that does not lead the office does: at most every
// Interval it asks the hub what it last heard from the office, so the
// status bar of every PC says whether the office is in touch with the
// province and how much it still has to send.
func (u *Uplink) follow(ctx context.Context) {
	u.mu.Lock()
	due := u.cfg.Now().Sub(u.followed) >= u.cfg.Interval
	if due {
		u.followed = u.cfg.Now()
	}
	u.mu.Unlock()
	if !due {
		return
	}
	inst, ok, err := u.cfg.Source.Installation()
	if err != nil || !ok {
		u.setOnline(false, "not_enrolled")
		return
	}
	key, ok, err := u.officeKey(ctx, false)
	if err != nil || !ok {
		u.setOnline(false, errNoKey.Code)
		return
	}
	var res StatusResponse
	if err := u.signed(ctx, http.MethodGet, PathStatus, inst.ID, key, nil, &res); err != nil {
		u.setOnline(false, app.ErrorCode(err))
		return
	}
	u.mu.Lock()
	u.status.Online, u.status.Problem, u.status.Unsent, u.status.LastSync = true, "", res.Unsent, res.LastSync
	u.mu.Unlock()
}
