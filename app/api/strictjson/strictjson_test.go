package strictjson

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xaso/app"
)

func TestDecode(t *testing.T) {
	type body struct {
		Name string    `json:"name"`
		At   time.Time `json:"at"`
	}
	for _, tc := range []struct {
		name, in, code, field string
	}{
		{"good", `{"name":"Lan"}`, "", ""},
		{"empty", ``, CodeBadJSON, ""},
		{"not JSON", `name=Lan`, CodeBadJSON, ""},
		{"wrong type", `{"name":1}`, CodeBadJSON, "name"},
		{"unknown field", `{"name":"Lan","x":1}`, CodeBadJSON, "x"},
		{"trailing data", `{"name":"Lan"}]`, CodeBadJSON, ""},
		{"a bad time", `{"at":"27/11/2026"}`, CodeBadJSON, ""},
		{"too large", `{"name":"` + strings.Repeat("a", 100) + `"}`, app.ETooLarge, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.in))
			var v body
			err := Decode(httptest.NewRecorder(), r, 64, &v)
			if app.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			var ae *app.Error
			if err != nil && (!errors.As(err, &ae) || ae.Field != tc.field || ae.Message == "") {
				t.Fatalf("error %#v, want field %q and a Vietnamese message", err, tc.field)
			}
		})
	}
}
