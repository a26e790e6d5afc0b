package portal

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
	"xaso/sync/hub"
)

// Dossiers the portal pushes to the province (services it hosts, a citizen
// filing there) enter through the hub as online dossiers: each goes down
// to its commune's desk as dossier.submit, once however often the portal
// sends it, and is reported back to the portal under the portal's own
// MaHoSo. Pulled linked dossiers and filing after a portal sign-in are not
// done yet.

// PathInbound is where the adapter posts dossiers for the province.
const PathInbound = "/api/v1/portal/dossiers"

// Submitter makes an online dossier at a commune (*hub.Hub).
type Submitter interface {
	SubmitOnline(ctx context.Context, code, by string, in hub.SubmitInput) (string, app.Dossier, error)
}

// Inbound is the handler of PathInbound.
type Inbound struct {
	sub   Submitter
	box   *Outbox
	token string // the bearer the adapter presents
	now   func() time.Time
	mu    sync.Mutex // one dossier at a time: a repeated MaHoSo is seen
}

// NewInbound serves the portal's pushes with the bearer token token.
func NewInbound(sub Submitter, box *Outbox, token string, now func() time.Time) *Inbound {
	if now == nil {
		now = time.Now
	}
	return &Inbound{sub: sub, box: box, token: token, now: now}
}

// inboundRequest is the adapter's push: the commune (5-digit code) and
// dossiers in the portal's shape.
type inboundRequest struct {
	MaDonVi string    `json:"madonvi"`
	Data    []Dossier `json:"data"`
}

// InboundResult is one dossier's outcome.
type InboundResult struct {
	MaHoSo    string `json:"MaHoSo"`
	ErrorCode int    `json:"error_code"` // 0 taken (or taken before)
	Message   string `json:"message"`
	DossierID string `json:"dossier_id,omitempty"`
}

func writeReply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (in *Inbound) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if in.token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(in.token)) != 1 {
		writeReply(w, http.StatusUnauthorized, map[string]any{"error_code": 401, "message": "Sai mã xác thực (unauthorized)"})
		return
	}
	var req inboundRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || len(req.Data) == 0 {
		writeReply(w, http.StatusBadRequest, map[string]any{"error_code": 400, "message": "Dữ liệu không đúng dạng {madonvi, data: [hồ sơ]} (malformed)"})
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	results := make([]InboundResult, 0, len(req.Data))
	failed := 0
	for _, d := range req.Data {
		res := in.take(r.Context(), req.MaDonVi, d)
		if res.ErrorCode != 0 {
			failed++
		}
		results = append(results, res)
	}
	code := 0
	if failed > 0 {
		code = 1
	}
	writeReply(w, http.StatusOK, map[string]any{"error_code": code, "result": results})
}

// take keeps one dossier, once.
func (in *Inbound) take(ctx context.Context, commune string, d Dossier) InboundResult {
	res := InboundResult{MaHoSo: d.MaHoSo}
	if strings.TrimSpace(d.MaHoSo) == "" {
		res.ErrorCode, res.Message = 400, "Thiếu MaHoSo"
		return res
	}
	if id, ok, err := in.box.inboundID(d.MaHoSo); err != nil || ok {
		if err != nil {
			res.ErrorCode, res.Message = 500, err.Error()
		} else {
			res.DossierID, res.Message = id, "Đã tiếp nhận trước đó (already taken)"
		}
		return res
	}
	input := hub.SubmitInput{ReceiveInput: app.ReceiveInput{ProcedureCode: d.MaTTHC, Note: d.GhiChu, Channel: app.ChannelOnline,
		Applicant: app.Applicant{FullName: d.ChuHoSo, IDNumber: d.SoGiayToChuHoSo, Phone: d.SoDienThoai, Email: d.Email}}}
	for _, p := range d.TaiLieuNop {
		input.Documents = append(input.Documents, app.Document{Name: p.TenGiayTo, Copies: max(p.SoBan, 1), Form: p.LoaiBan})
	}
	for _, s := range []string{d.NgayNopHoSo, d.NgayTiepNhan} {
		if t, err := time.ParseInLocation(DateLayout, s, app.VN()); err == nil {
			input.SubmittedAt = &t
			break
		}
	}
	id, _, err := in.sub.SubmitOnline(ctx, commune, "portal", input)
	var ae *app.Error
	switch {
	case errors.As(err, &ae) && ae.Code != app.EInternal:
		res.ErrorCode, res.Message = 400, ae.Message+" ("+ae.English+")"
		return res
	case err != nil:
		res.ErrorCode, res.Message = 500, "Lỗi máy chủ tỉnh, gửi lại sau (internal error: retry)"
		return res
	}
	if err := in.box.keepInbound(d.MaHoSo, id); err != nil {
		res.ErrorCode, res.Message = 500, err.Error()
		return res
	}
	res.DossierID, res.Message = id, "Đã tiếp nhận (taken)"
	return res
}

// Buckets of inbound dossiers in the outbox file.
var (
	bInbound    = []byte("inbound")     // the portal's MaHoSo → the hub's dossier ID
	bInboundIDs = []byte("inbound_ids") // the hub's dossier ID → the portal's MaHoSo
)

func (o *Outbox) inboundID(mahoso string) (string, bool, error) {
	var id []byte
	err := o.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bInbound); b != nil {
			id = b.Get([]byte(mahoso))
		}
		return nil
	})
	return string(id), id != nil, err
}

// inboundCode is the portal's MaHoSo of a dossier that came from it.
func (o *Outbox) inboundCode(id string) (string, bool, error) {
	var code []byte
	err := o.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bInboundIDs); b != nil {
			code = b.Get([]byte(id))
		}
		return nil
	})
	return string(code), code != nil, err
}

func (o *Outbox) keepInbound(mahoso, id string) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		a, err := tx.CreateBucketIfNotExists(bInbound)
		if err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bInboundIDs)
		if err != nil {
			return err
		}
		if err := a.Put([]byte(mahoso), []byte(id)); err != nil {
			return err
		}
		return b.Put([]byte(id), []byte(mahoso))
	})
}
