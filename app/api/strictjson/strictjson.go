// Package strictjson decodes the JSON body of a request strictly — one
// value, no unknown field, nothing after it, within a size limit — and
// answers every failure as an app.Error of one shape. Both HTTP edges use
// it: the node's API (app/api) and the provincial hub (sync/hub).
package strictjson

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"xaso/app"
)

// CodeBadJSON is the code of a body that is not the JSON asked for.
const CodeBadJSON = "invalid_json"

// Decode reads r's body, at most limit bytes, into v.
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Anything after the object, even a stray ']' or '}' that
		// dec.More would not report, is a token or an error, not EOF.
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &tooBig):
		return app.Errorf(app.ETooLarge, "", "Dữ liệu gửi lên quá lớn.", "the request body is too large")
	case errors.As(err, &typeErr):
		return app.Errorf(CodeBadJSON, typeErr.Field, "Trường “%s” có kiểu dữ liệu không đúng.", "field %q has the wrong type", typeErr.Field)
	case errors.As(err, &timeErr):
		return app.Errorf(CodeBadJSON, "", "Thời gian không đúng định dạng RFC 3339 (ví dụ 2026-11-27T08:30:00+07:00).",
			"a time is not in RFC 3339 form (e.g. 2026-11-27T08:30:00+07:00)")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return app.Errorf(CodeBadJSON, f, "Trường “%s” không được hỗ trợ.", "unknown field %q", f)
	case errors.Is(err, io.EOF):
		return app.Errorf(CodeBadJSON, "", "Thiếu nội dung JSON.", "the request body is empty")
	}
	return app.Errorf(CodeBadJSON, "", "Nội dung JSON không hợp lệ.", "the request body is not valid JSON")
}
