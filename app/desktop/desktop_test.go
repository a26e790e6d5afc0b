package desktop

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAPIMiddlewareRoutes(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-From", "api")
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+string(body))
	})
	assets := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "assets")
		_, _ = io.WriteString(w, r.URL.Path)
	})
	h := apiMiddleware(api)(assets)

	tests := []struct {
		method, path, body string
		from, want         string
	}{
		{"GET", "/", "", "assets", "/"},
		{"GET", "/assets/index.js", "", "assets", "/assets/index.js"},
		{"GET", "/apix", "", "assets", "/apix"},
		{"GET", "/api", "", "api", "GET /api Bearer t "},
		{"GET", "/api/v1/health", "", "api", "GET /api/v1/health Bearer t "},
		{"GET", "/api/v1/dossiers?q=nguyen", "", "api", "GET /api/v1/dossiers?q=nguyen Bearer t "},
		{"POST", "/api/v1/dossiers", `{"a":1}`, "api", `POST /api/v1/dossiers Bearer t {"a":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://wails.localhost"+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer t")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Header().Get("X-From"); got != tc.from {
				t.Fatalf("served by %q, want %q", got, tc.from)
			}
			if got := rec.Body.String(); got != tc.want {
				t.Fatalf("body %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunRejectsIncompleteConfig(t *testing.T) {
	h := http.NotFoundHandler()
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}
	for name, cfg := range map[string]Config{
		"no handler": {Assets: assets},
		"no assets":  {Handler: h},
	} {
		t.Run(name, func(t *testing.T) {
			err := Run(context.Background(), cfg)
			if err == nil || errors.Is(err, ErrNoWindow) {
				t.Fatalf("Run(%s) = %v, want a config error", name, err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	var c Config
	if c.title() != "Xã Số" {
		t.Fatalf("default title %q", c.title())
	}
	c.logger().Info("discarded") // must not panic with a nil Logger
}
