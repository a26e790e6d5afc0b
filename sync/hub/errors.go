package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"xaso/app"
	"xaso/app/api/strictjson"
	"xaso/sync/uplink"
)

// Error codes of the hub (besides app's): stable, English, snake_case.
const (
	ETokenUnknown  = "enrolment_token_unknown" // no such token
	ETokenUsed     = "enrolment_token_used"    // bound already to another installation's key
	ETokenExpired  = "enrolment_token_expired"
	ETokenRevoked  = "enrolment_token_revoked"
	EWrongCommune  = "wrong_commune"        // a token, a command or a request for another commune
	EBadSignature  = "bad_signature"        // a batch not signed by a key of the installation
	EUnknownInst   = "unknown_installation" // the installation is not enrolled here
	EBatchTooLarge = "batch_too_large"      // larger than the limits, on the wire or decompressed
	EBatchBad      = "batch_malformed"      // not zstd, not JSON, unknown fields
	ECommandBad    = "command_invalid"      // a command whose envelope or body does not decode
	ENotPublish    = "kind_not_publishable" // the hub may not send this kind down
	codeBadJSON    = strictjson.CodeBadJSON
	codeMedia      = "unsupported_media_type" // as app/api
)

func statusOf(code string) int {
	switch code {
	case app.EInvalid, codeBadJSON, EBatchBad, ECommandBad, ENotPublish, app.EWeakPassword:
		return http.StatusBadRequest
	case app.EBadCredentials, app.EUnauthorized, ETokenUnknown, ETokenExpired, ETokenRevoked, EBadSignature, EUnknownInst,
		uplink.ENonceStale, uplink.EReplayed, uplink.EKeyRevoked:
		return http.StatusUnauthorized
	case app.EForbidden, EWrongCommune:
		return http.StatusForbidden
	case app.ENotFound:
		return http.StatusNotFound
	case app.EConflict, ETokenUsed, uplink.EKeyReused:
		return http.StatusConflict
	case app.ETooLarge, EBatchTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeMedia:
		return http.StatusUnsupportedMediaType
	case app.ETooMany:
		return http.StatusTooManyRequests
	case app.EUnavailable, app.EDataDirLocked, app.EStoreDamaged:
		return http.StatusServiceUnavailable
	case app.EDiskFull:
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// fail writes err as {"error":{"code","message","field"}}, like a node.
func (h *Hub) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := app.AsError(err)
	status := statusOf(e.Code)
	if status >= 500 {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
	} else {
		h.log.Info("request refused", "method", r.Method, "path", r.URL.Path, "code", e.Code, "detail", e.Error())
	}
	msg := e.Message
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "en") && e.English != "" {
		msg = e.English
	}
	detail := map[string]string{"code": e.Code, "message": msg}
	if e.Field != "" {
		detail["field"] = e.Field
	}
	writeJSON(w, status, map[string]any{"error": detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads a JSON body strictly into v, within the hub's limit.
func (h *Hub) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return app.Errorf(codeMedia, "", "Nội dung phải là JSON (Content-Type: application/json).", "the body must be JSON")
	}
	return strictjson.Decode(w, r, 1<<20, v)
}

// readLimited reads a body of at most max bytes.
func readLimited(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, app.Errorf(EBatchTooLarge, "", "Lô dữ liệu gửi lên quá lớn.", "the batch is too large")
	}
	if err != nil {
		return nil, app.Errorf(EBatchBad, "", "Không đọc được lô dữ liệu gửi lên (kết nối bị ngắt?).", "could not read the batch").WithCause(err)
	}
	return buf.Bytes(), nil
}
