package hub_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"xaso/app/argon2id"
	"xaso/sync/hub"
)

// The hub serves the dashboard page (hub.html, not the desk's index.html)
// at / and at the page's own routes, its assets as files, and a plain page
// when the dashboard was not built.
func TestDashboardPage(t *testing.T) {
	db := openStorage(t)
	built := fstest.MapFS{
		"index.html":     {Data: []byte("<p>desk</p>")},
		"hub.html":       {Data: []byte("<p>dashboard</p>")},
		"assets/hub.js":  {Data: []byte("console.log('hub')")},
		"assets/hub.css": {Data: []byte("body{}")},
	}
	for _, c := range []struct {
		name string
		fs   fstest.MapFS
		path string
		want string
	}{
		{"root", built, "/", "dashboard"},
		{"a route of the page", built, "/communes/14701", "dashboard"},
		{"an asset", built, "/assets/hub.js", "console.log"},
		{"not built", nil, "/", "dashboard not built"},
	} {
		cfg := hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}}
		if c.fs != nil {
			cfg.Dashboard = c.fs
		}
		h, err := hub.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		res, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %q, want %q", c.name, res.StatusCode, body, c.want)
		}
	}
}
