package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xaso/app"
	"xaso/app/node"
)

// paperDesk is a real node behind a real HTTP server, with a receiver
// signed in.
type paperDesk struct {
	t     *testing.T
	n     *node.Node
	srv   *httptest.Server
	token string
}

func newPaperDesk(t *testing.T, opts ...func(*node.Config)) *paperDesk {
	t.Helper()
	n, srv := serveNode(t, opts...)
	d := &paperDesk{t: t, n: n, srv: srv}
	d.token = d.login("admin", "admin-password")
	for _, u := range []string{
		`{"username":"lan","password":"password-lan","full_name":"Đỗ Thị Lan","roles":["receiver","specialist","leader"]}`,
		`{"username":"hung","password":"password-hung","full_name":"Trịnh Văn Hùng","roles":["specialist"]}`,
	} {
		if st, body := d.req("POST", "/api/v1/users", "application/json", strings.NewReader(u)); st != 201 {
			t.Fatalf("create user: %d %s", st, body)
		}
	}
	d.token = d.login("lan", "password-lan")
	return d
}

func (d *paperDesk) login(user, pass string) string {
	d.t.Helper()
	st, body := d.req("POST", "/api/v1/sessions", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, pass)))
	var out struct{ Token string }
	if st != 201 || json.Unmarshal(body, &out) != nil {
		d.t.Fatalf("login %s: %d %s", user, st, body)
	}
	return out.Token
}

func (d *paperDesk) req(method, path, ctype string, body io.Reader) (int, []byte) {
	d.t.Helper()
	st, _, b := d.reqH(method, path, ctype, body)
	return st, b
}

func (d *paperDesk) reqH(method, path, ctype string, body io.Reader) (int, http.Header, []byte) {
	d.t.Helper()
	r, err := http.NewRequest(method, d.srv.URL+path, body)
	if err != nil {
		d.t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if d.token != "" {
		r.Header.Set("Authorization", "Bearer "+d.token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func (d *paperDesk) json(method, path, body string) (int, map[string]any) {
	d.t.Helper()
	st, b := d.req(method, path, "application/json", strings.NewReader(body))
	var m map[string]any
	json.Unmarshal(b, &m)
	return st, m
}

func (d *paperDesk) receive() string {
	d.t.Helper()
	st, m := d.json("POST", "/api/v1/dossiers", `{"procedure_code":"1.004873","applicant":{"full_name":"Nguyễn Thị Hồng Nhung","id_number":"037190001234","date_of_birth":"1990-05-01","phone":"0912345678","address":"Thôn Tiên Dương, xã Yên Mô"}}`)
	if st != 201 {
		d.t.Fatalf("receive: %d %v", st, m)
	}
	return m["code"].(string)
}

func errCode(m map[string]any) (code, field string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return code, field
}

func scan(format string, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, (x*7)%h, color.RGBA{B: 180, A: 255})
	}
	var b bytes.Buffer
	if format == "png" {
		png.Encode(&b, img)
	} else {
		jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	}
	return b.Bytes()
}

// blobFiles lists the stored blobs and the unfinished uploads.
func blobFiles(t *testing.T, dir string) (blobs, tmp []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if filepath.Base(filepath.Dir(p)) == "tmp" {
			tmp = append(tmp, p)
		} else {
			blobs = append(blobs, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return blobs, tmp
}

func TestFormsAndIDCardOverHTTP(t *testing.T) {
	d := newPaperDesk(t)
	code := d.receive()
	for _, tt := range []struct {
		path   string
		status int
		ctype  string
		code   string
	}{
		{"/forms/01.pdf", 200, "application/pdf", ""},
		{"/forms/01.pdf?paper=a5", 200, "application/pdf", ""},
		{"/forms/06.pdf", 200, "application/pdf", ""},
		{"/forms/07.pdf", 200, "application/pdf", ""},
		{"/forms/02.pdf", 409, "application/json; charset=utf-8", "conflict"},
		{"/forms/01.pdf?paper=b4", 400, "application/json; charset=utf-8", "invalid"},
		{"/forms/08.pdf", 404, "application/json; charset=utf-8", "not_found"},
		{"/forms/01.png", 404, "application/json; charset=utf-8", "not_found"},
	} {
		st, h, body := d.reqH("GET", "/api/v1/dossiers/"+code+tt.path, "", nil)
		if st != tt.status || h.Get("Content-Type") != tt.ctype {
			t.Errorf("%s: %d %s, want %d %s", tt.path, st, h.Get("Content-Type"), tt.status, tt.ctype)
		}
		if st == 200 && (!bytes.HasPrefix(body, []byte("%PDF-")) || !strings.Contains(h.Get("Content-Disposition"), code)) {
			t.Errorf("%s: not a named PDF (%q)", tt.path, h.Get("Content-Disposition"))
		}
		var m map[string]any
		if st != 200 && (json.Unmarshal(body, &m) != nil || fmt.Sprint(m["error"].(map[string]any)["code"]) != tt.code) {
			t.Errorf("%s: error body %s", tt.path, body)
		}
	}
	if st, _ := d.req("GET", "/api/v1/dossiers/NO-SUCH-0001/forms/01.pdf", "", nil); st != 404 {
		t.Errorf("form of an unknown dossier: %d", st)
	}
	st, m := d.json("POST", "/api/v1/idcard/parse",
		`{"qr":"037190001234|162345678|Nguyễn Thị Hồng Nhung|01051990|Nữ|Thôn Tiên Dương, xã Yên Mô|10042021\r\n"}`)
	if st != 200 || m["id_number"] != "037190001234" || m["full_name"] != "Nguyễn Thị Hồng Nhung" ||
		m["date_of_birth"] != "1990-05-01" || m["sex"] != "Nữ" || m["issued_on"] != "2021-04-10" {
		t.Errorf("parse ID card: %d %v", st, m)
	}
	st, m = d.json("POST", "/api/v1/idcard/parse", `{"qr":"037190001234|162345678|Nguyễn Thị Hồng Nhung|31021990|Nữ|Yên Mô|10042021"}`)
	if c, f := errCode(m); st != 400 || c != "invalid" || f != "qr.date_of_birth" {
		t.Errorf("malformed scan: %d %v", st, m)
	}
	d.token = ""
	if st, _ := d.req("GET", "/api/v1/dossiers/"+code+"/forms/01.pdf", "", nil); st != 401 {
		t.Errorf("form without signing in: %d", st)
	}
}

func TestAttachmentsOverHTTP(t *testing.T) {
	d := newPaperDesk(t)
	code := d.receive()
	base := "/api/v1/dossiers/" + code + "/attachments"
	jpg, pngb := scan("jpeg", 320, 200), scan("png", 300, 400)
	st, h, body := d.reqH("POST", base+"?name=to-khai.jpg", "image/jpeg", bytes.NewReader(jpg))
	var first app.Attachment
	if json.Unmarshal(body, &first); st != 201 || first.MediaType != "image/jpeg" || first.Width != 320 ||
		first.Size != int64(len(jpg)) || first.Name != "to-khai.jpg" || !strings.HasSuffix(h.Get("Location"), first.SHA256) {
		t.Fatalf("upload: %d %s", st, body)
	}
	// The same scan again, announced under another name and type: stored once.
	st, body = d.req("POST", base+"?name=again.png", "image/png", bytes.NewReader(jpg))
	var again app.Attachment
	if json.Unmarshal(body, &again); st != 200 || again != first {
		t.Fatalf("the same scan twice: %d %s", st, body)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("note", "ignored")
	fw, _ := mw.CreateFormFile("file", "Giấy khai sinh.png")
	fw.Write(pngb)
	mw.Close()
	st, body = d.req("POST", base, mw.FormDataContentType(), &mp)
	var second app.Attachment
	if json.Unmarshal(body, &second); st != 201 || second.Name != "Giấy khai sinh.png" || second.MediaType != "image/png" {
		t.Fatalf("multipart upload: %d %s", st, body)
	}
	pdf := realPDF(t)
	for _, tt := range []struct {
		name  string
		ctype string
		body  []byte
		st    int
		code  string
	}{
		{"a PDF", "application/pdf", pdf, 201, ""},
		{"text", "text/plain", []byte("chỉ là chữ, không phải ảnh quét"), 400, "invalid"},
		{"a PDF cut off", "application/pdf", pdf[:20], 400, "invalid"},
		{"a PDF header and trailer only", "application/pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 400, "invalid"},
		{"a PDF whose xref points nowhere", "application/pdf", brokenXref(pdf), 400, "invalid"},
		{"a JPEG cut off in its header", "image/jpeg", jpg[:12], 400, "invalid"},
		{"a PNG with a broken header", "image/png", append(append([]byte{}, pngb[:16]...), make([]byte, 64)...), 400, "invalid"},
		{"empty", "image/jpeg", nil, 400, "invalid"},
		{"over 10 MiB", "image/jpeg", append(append([]byte{}, jpg...), make([]byte, app.MaxAttachmentSize)...), 413, "too_large"},
	} {
		st, body := d.req("POST", base, tt.ctype, bytes.NewReader(tt.body))
		var m map[string]any
		json.Unmarshal(body, &m)
		if c, _ := errCode(m); st != tt.st || c != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, st, body, tt.st, tt.code)
		}
	}
	// Over the limit without a Content-Length (chunked): refused while reading.
	big := io.MultiReader(bytes.NewReader(jpg), io.LimitReader(zeros{}, app.MaxAttachmentSize))
	if st, body := d.req("POST", base, "image/jpeg", struct{ io.Reader }{big}); st != 413 {
		t.Errorf("chunked upload over the limit: %d %s", st, body)
	}
	blobs, tmp := blobFiles(t, d.n.Blobs.Dir())
	if len(blobs) != 3 || len(tmp) != 0 {
		t.Errorf("stored %v with %v unfinished, want the JPEG, the PNG and the PDF once each", blobs, tmp)
	}
	st, h, got := d.reqH("GET", base+"/"+first.SHA256, "", nil)
	if st != 200 || !bytes.Equal(got, jpg) || h.Get("Content-Type") != "image/jpeg" {
		t.Errorf("download: %d %s %d bytes", st, h.Get("Content-Type"), len(got))
	}
	if st, _ := d.req("GET", base+"/"+strings.Repeat("0", 64), "", nil); st != 404 {
		t.Errorf("unknown attachment: %d", st)
	}
	if st, _ := d.req("GET", base+"/not-a-hash", "", nil); st != 404 {
		t.Errorf("bad hash: %d", st)
	}
	_, dos := d.json("GET", "/api/v1/dossiers/"+code, "")
	if as, _ := dos["attachments"].([]any); len(as) != 3 {
		t.Errorf("dossier lists %d attachments, want 3: %v", len(as), dos["attachments"])
	}
	d.token = d.login("hung", "password-hung")
	if st, _ := d.req("POST", base, "image/png", bytes.NewReader(pngb)); st != 403 {
		t.Errorf("a specialist attaching: %d, want 403", st)
	}
	if st, _ := d.req("GET", base+"/"+first.SHA256, "", nil); st != 200 {
		t.Errorf("a specialist reading an attachment: %d", st)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
