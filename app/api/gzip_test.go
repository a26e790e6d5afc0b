package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"xaso/app/api"
)

// The UI's assets go compressed to a browser that takes gzip (the copy the
// build made), plain to one that does not, and stay cached for good.
func TestAssetsGoPrecompressed(t *testing.T) {
	js := bytes.Repeat([]byte("console.log('xã số');\n"), 200)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(js)
	zw.Close()
	h := api.New(api.Config{Assets: fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html>")},
		"assets/app-1.js":    {Data: js},
		"assets/app-1.js.gz": {Data: gz.Bytes()},
		"assets/app-1.css":   {Data: []byte("body{}")},
	}})
	get := func(path, enc string) *http.Response {
		req := httptest.NewRequest("GET", path, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	res := get("/assets/app-1.js", "gzip, deflate, br")
	body, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, gz.Bytes()) {
		t.Fatalf("gzip asked: encoding %q, %d bytes (want the %d-byte copy)", res.Header.Get("Content-Encoding"), len(body), gz.Len())
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Cache-Control %q, Vary %q", cc, res.Header.Get("Vary"))
	}
	for _, enc := range []string{"", "identity", "gzip;q=0"} {
		res = get("/assets/app-1.js", enc)
		body, _ = io.ReadAll(res.Body)
		if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, js) {
			t.Errorf("Accept-Encoding %q: encoding %q, %d bytes", enc, res.Header.Get("Content-Encoding"), len(body))
		}
	}
	res = get("/assets/app-1.css", "gzip") // no compressed copy: plain
	if body, _ = io.ReadAll(res.Body); res.Header.Get("Content-Encoding") != "" || string(body) != "body{}" {
		t.Errorf("CSS without a copy: %q %q", res.Header.Get("Content-Encoding"), body)
	}
}
