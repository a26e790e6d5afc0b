package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Services of the adapter (LGSP) the connector calls.
const (
	SvcSync     = "DongBoHoSoMC"        // a dossier, new (isUpdating "False") or update ("True")
	SvcProgress = "CapNhatTienDoHoSoMC" // progress rows, in chunks
	SvcLookup   = "TraCuuHoSo"          // does the portal hold this MaHoSo?
)

// Config configures the connector: the adapter's URLs and credentials.
type Config struct {
	SessionURL string // POST {"username","password"} with header dstcode → {"error_code":0,"session":…}
	ServiceURL string // POST {"session","madonvi","service",…}
	Username   string
	Password   string
	DstCode    string // the adapter's routing code for the national portal
	MaDonVi    string // the province's unit code at the portal
	// InboundToken is the bearer of the adapter's pushes to the hub (Inbound).
	InboundToken string
	// Unit names a commune's unit for the portal; nil: its code.
	Unit       func(commune string) Unit
	Client     *http.Client  // nil: 30 s timeout per call
	ChunkSize  int           // progress rows per CapNhatTienDoHoSoMC; 0: 50
	Batch      int           // dossiers read from the source at once; 0: 200
	MinBackoff time.Duration // after a failed try, doubling with jitter; 0: 30 s
	MaxBackoff time.Duration // 0: 1 h
	Now        func() time.Time
	Logger     *slog.Logger
}

// Connector pushes the hub's dossiers to the portal.
type Connector struct {
	cfg     Config
	src     Source
	box     *Outbox
	session string
}

// New makes a connector reading src and keeping its outbox in box.
func New(cfg Config, src Source, box *Outbox) *Connector {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = 50
	}
	if cfg.Batch == 0 {
		cfg.Batch = 200
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 30 * time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Unit == nil {
		cfg.Unit = func(c string) Unit { return Unit{Name: c} }
	}
	return &Connector{cfg: cfg, src: src, box: box}
}

// Collect reads the changes after the outbox's cursor into the outbox,
// until the source has no more; it returns how many states were queued.
func (c *Connector) Collect(ctx context.Context) (int, error) {
	total := 0
	for {
		cursor, err := c.box.Cursor()
		if err != nil {
			return total, err
		}
		changes, next, err := c.src.Changes(ctx, cursor, c.cfg.Batch)
		if err != nil {
			return total, fmt.Errorf("portal: read changes: %w", err)
		}
		states := make([]item, 0, len(changes))
		for _, ch := range changes {
			// A dossier the portal sent keeps the portal's MaHoSo, whatever
			// code the desk gives it.
			portalCode, fromPortal, err := c.box.inboundCode(ch.Dossier.ID)
			if err != nil {
				return total, err
			}
			if !fromPortal && !Exportable(ch.Dossier) {
				continue
			}
			d, rows := Export(ch.Dossier, c.cfg.Unit(ch.Commune))
			if fromPortal {
				d.MaHoSo = portalCode
				for i := range rows {
					rows[i].MaHoSo = portalCode
				}
			}
			states = append(states, item{Dossier: d, Progress: rows, Hash: stateHash(d, rows)})
		}
		n, err := c.box.add(states, next)
		if err != nil {
			return total, err
		}
		total += n
		if len(changes) == 0 || next == cursor {
			return total, nil
		}
	}
}

// transientError is a try that failed for a reason a later try may not
// meet: the adapter unreachable, slow, or answering garbage.
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// refusedError is the portal's answer error_code ≠ 0.
type refusedError struct{ code, message string }

func (e refusedError) Error() string {
	return fmt.Sprintf("the portal refused (error_code %s): %s", e.code, e.message)
}

// reply is the adapter's answer.
type reply struct {
	ErrorCode json.RawMessage `json:"error_code"`
	Message   string          `json:"message"`
	Session   string          `json:"session"`
	Result    json.RawMessage `json:"result"`
}

func (r reply) code() string { return strings.Trim(string(r.ErrorCode), `"`) }

func (c *Connector) post(ctx context.Context, url string, body any, header map[string]string) (reply, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.cfg.Client.Do(req)
	if err != nil {
		return reply{}, transientError{err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return reply{}, transientError{err}
	}
	if res.StatusCode != http.StatusOK {
		return reply{}, transientError{fmt.Errorf("adapter answered HTTP %d", res.StatusCode)}
	}
	var r reply
	if err := json.Unmarshal(data, &r); err != nil || len(r.ErrorCode) == 0 {
		return reply{}, transientError{fmt.Errorf("adapter answer is not the expected JSON: %.200s", data)}
	}
	return r, nil
}

func (c *Connector) login(ctx context.Context) error {
	r, err := c.post(ctx, c.cfg.SessionURL, map[string]string{"username": c.cfg.Username, "password": c.cfg.Password},
		map[string]string{"dstcode": c.cfg.DstCode})
	if err != nil {
		return err
	}
	if r.code() != "0" || r.Session == "" {
		return transientError{fmt.Errorf("adapter session refused (error_code %s): %s", r.code(), r.Message)}
	}
	c.session = r.Session
	return nil
}

// call runs a service with the session (signing in first, and again once
// if the session was dropped).
func (c *Connector) call(ctx context.Context, service string, fields map[string]any) (reply, error) {
	for attempt := 0; ; attempt++ {
		if c.session == "" {
			if err := c.login(ctx); err != nil {
				return reply{}, err
			}
		}
		body := map[string]any{"session": c.session, "madonvi": c.cfg.MaDonVi, "service": service}
		for k, v := range fields {
			body[k] = v
		}
		r, err := c.post(ctx, c.cfg.ServiceURL, body, nil)
		if err != nil {
			return r, err
		}
		if r.code() != "0" && strings.Contains(strings.ToLower(r.Message), "session") && attempt == 0 {
			c.session = ""
			continue
		}
		if r.code() != "0" {
			return r, refusedError{code: r.code(), message: r.Message}
		}
		return r, nil
	}
}

// alreadyExists is an answer meaning: send it as an update.
func alreadyExists(err error) bool {
	var r refusedError
	if !errors.As(err, &r) {
		return false
	}
	m := strings.ToLower(r.message)
	return strings.Contains(m, "đã tồn tại") || strings.Contains(m, "already exist") || strings.Contains(m, "da ton tai")
}

// exists asks the portal whether it holds mahoso.
func (c *Connector) exists(ctx context.Context, mahoso string) (bool, error) {
	r, err := c.call(ctx, SvcLookup, map[string]any{"mahoso": mahoso})
	var refused refusedError
	if errors.As(err, &refused) {
		return false, nil // "not found" comes as an error code
	}
	if err != nil {
		return false, err
	}
	res := strings.TrimSpace(string(r.Result))
	return res != "" && res != "null" && res != "[]" && res != "{}", nil
}

// Flushed is what one Flush did.
type Flushed struct {
	Sent, Refused, Failed int
}

// Flush pushes every waiting state whose time has come: the dossier
// (TraCuuHoSo decides new or update unless the portal is known to hold
// it), then its progress rows not sent yet, in chunks. A refusal is
// recorded for the report; any other failure keeps the state for a later
// try with a doubling back-off.
func (c *Connector) Flush(ctx context.Context) (Flushed, error) {
	var f Flushed
	items, err := c.box.due(c.cfg.Now(), 1000)
	if err != nil {
		return f, err
	}
	for _, it := range items {
		if ctx.Err() != nil {
			return f, ctx.Err()
		}
		err := c.push(ctx, it)
		var refused refusedError
		switch {
		case err == nil:
			f.Sent++
		case errors.As(err, &refused):
			f.Refused++
			c.cfg.Logger.Warn("portal refused a dossier", "ma_ho_so", it.Dossier.MaHoSo, "error_code", refused.code, "message", refused.message)
			if err := c.box.refuse(it, Refusal{MaHoSo: it.Dossier.MaHoSo, Service: serviceOf(err), ErrorCode: refused.code,
				Message: refused.message, At: c.cfg.Now()}); err != nil {
				return f, err
			}
		default:
			f.Failed++
			wait := min(c.cfg.MinBackoff<<min(it.Attempts, 20), c.cfg.MaxBackoff)
			wait = wait/2 + rand.N(wait/2+1)
			c.cfg.Logger.Warn("portal push failed, kept for later", "ma_ho_so", it.Dossier.MaHoSo, "err", err, "retry_in", wait)
			if err := c.box.retryLater(it, err, c.cfg.Now().Add(wait)); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

// serviceError names the service a refusal came from.
type serviceError struct {
	service string
	err     error
}

func (e serviceError) Error() string { return e.service + ": " + e.err.Error() }
func (e serviceError) Unwrap() error { return e.err }

func serviceOf(err error) string {
	var s serviceError
	if errors.As(err, &s) {
		return s.service
	}
	return ""
}

func (c *Connector) push(ctx context.Context, it item) error {
	mahoso := it.Dossier.MaHoSo
	held, known, err := c.box.sent(mahoso)
	if err != nil {
		return err
	}
	if !known || held.Hash != it.Hash {
		updating := known
		if !known {
			if updating, err = c.exists(ctx, mahoso); err != nil {
				return serviceError{SvcLookup, err}
			}
		}
		send := func(upd bool) error {
			flag := "False"
			if upd {
				flag = "True"
			}
			_, err := c.call(ctx, SvcSync, map[string]any{"isUpdating": flag, "data": []Dossier{it.Dossier}})
			return err
		}
		err := send(updating)
		if !updating && alreadyExists(err) {
			err = send(true)
		}
		if err != nil {
			return serviceError{SvcSync, err}
		}
		if !known {
			held.Progress = 0
		}
		if err := c.box.progressed(it, held.Progress, false); err != nil {
			return err
		}
	}
	rows := it.Progress
	for from := min(held.Progress, len(rows)); from < len(rows); from += c.cfg.ChunkSize {
		to := min(from+c.cfg.ChunkSize, len(rows))
		if _, err := c.call(ctx, SvcProgress, map[string]any{"data": rows[from:to]}); err != nil {
			return serviceError{SvcProgress, err}
		}
		if err := c.box.progressed(it, to, false); err != nil {
			return err
		}
	}
	return c.box.progressed(it, len(rows), true)
}

// Run collects and flushes every interval until ctx ends.
func (c *Connector) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := c.Collect(ctx); err != nil {
			c.cfg.Logger.Warn("portal: collect", "err", err)
		} else if f, err := c.Flush(ctx); err != nil {
			c.cfg.Logger.Warn("portal: flush", "err", err)
		} else if f.Sent+f.Refused+f.Failed > 0 {
			c.cfg.Logger.Info("portal exchange", "sent", f.Sent, "refused", f.Refused, "failed", f.Failed)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Inbound serves the portal's pushes of dossiers to the province.
func (c *Connector) Inbound(sub Submitter) *Inbound {
	return NewInbound(sub, c.box, c.cfg.InboundToken, c.cfg.Now)
}

// Report is the outbox's report.
func (c *Connector) Report() (Report, error) { return c.box.Report() }
