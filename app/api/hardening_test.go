package api_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// realPDF is a one-page PDF written by the PDF library the project uses.
func realPDF(t *testing.T) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(40, 10, "Giay khai sinh")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// brokenXref moves the startxref pointer of pdf off its table.
func brokenXref(pdf []byte) []byte {
	re := regexp.MustCompile(`startxref\s+(\d+)`)
	return re.ReplaceAllFunc(bytes.Clone(pdf), func(m []byte) []byte {
		n, _ := strconv.Atoi(string(re.FindSubmatch(m)[1]))
		return []byte("startxref\n" + strconv.Itoa(n-7))
	})
}

// pngHeader is the start of a PNG of w×h pixels: enough for its size to be
// read, not to decode it.
func pngHeader(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.Write(make([]byte, 256))
	return b.Bytes()
}

// TestSmallHardenings: issue 13 item 8 (all but the full disk), each over HTTP.
func TestSmallHardenings(t *testing.T) {
	d := newPaperDesk(t) // lan: receiver, specialist, leader; hung: specialist
	code := d.receive()
	base := "/api/v1/dossiers/" + code

	t.Run("idempotency key reused with another body", func(t *testing.T) {
		d.t = t
		c := &client{t: t, srv: d.srv, token: d.token}
		send := func(body string) (int, map[string]any) {
			return c.do("POST", "/api/v1/dossiers", body, "Idempotency-Key", "k-123456")
		}
		st, first := send(goodDossier)
		st2, again := send(goodDossier)
		if st != 201 || st2 != 201 || first["code"] != again["code"] {
			t.Fatalf("the same body twice: %d %v, %d %v", st, first["code"], st2, again["code"])
		}
		other := strings.Replace(goodDossier, "Nguyễn Văn An", "Trần Thị Bình", 1)
		st, out := send(other)
		if code, _ := errCode(out); st != 409 || code != "idempotency_key_reused" {
			t.Fatalf("another body with the key: %d %v, want 409 idempotency_key_reused", st, out)
		}
	})

	t.Run("apology date bounded", func(t *testing.T) {
		d.t = t
		if st, out := d.json("POST", base+"/actions", `{"action":"forward"}`); st != 200 {
			t.Fatalf("forward: %d %v", st, out)
		}
		st, out := d.json("POST", base+"/actions", `{"action":"apologize","note":"Chậm do thiếu cán bộ","new_due_at":"9999-12-31T17:00:00+07:00"}`)
		if code, field := errCode(out); st != 400 || code != "invalid" || field != "new_due_at" {
			t.Fatalf("apology to the year 9999: %d %v, want 400 invalid new_due_at", st, out)
		}
	})

	t.Run("huge PNG refused from its header", func(t *testing.T) {
		d.t = t
		st, body := d.req("POST", base+"/attachments?name=bom.png", "image/png", bytes.NewReader(pngHeader(20000, 20000)))
		if st != 400 {
			t.Fatalf("a 20000×20000 PNG: %d %s, want 400", st, body)
		}
	})

	t.Run("control characters and bidi overrides stripped from notes", func(t *testing.T) {
		d.t = t
		st, out := d.json("POST", base+"/actions", `{"action":"request_supplement","note":"Thiếu\u0000 bản sao\u202e lộn\u0007\nDòng hai\tcột"}`)
		if st != 200 {
			t.Fatalf("request_supplement: %d %v", st, out)
		}
		h := out["history"].([]any)
		if note := h[len(h)-1].(map[string]any)["note"]; note != "Thiếu bản sao lộn\nDòng hai\tcột" {
			t.Fatalf("stored note %q", note)
		}
	})

	t.Run("state hash for admins only", func(t *testing.T) {
		d.t = t
		hung := d.login("hung", "password-hung")
		lan := d.token
		d.token = hung
		st, _ := d.json("GET", "/api/v1/cluster?state_hash=1", "")
		d.token = lan
		if st != 403 {
			t.Fatalf("state hash for a specialist: %d, want 403", st)
		}
		if st, _ := d.json("GET", "/api/v1/cluster", ""); st != 200 {
			t.Fatalf("cluster status for a signed-in official: %d, want 200", st)
		}
		d.token = d.login("admin", "admin-password")
		st, out := d.json("GET", "/api/v1/cluster?state_hash=1", "")
		d.token = lan
		if st != 200 || out["state_hash"] == "" {
			t.Fatalf("state hash for the admin: %d %v", st, out)
		}
	})

	t.Run("health tells the version only after sign-in", func(t *testing.T) {
		d.t = t
		lan := d.token
		d.token = ""
		st, anon := d.json("GET", "/api/v1/health", "")
		d.token = lan
		if st != 200 || anon["status"] != "ok" {
			t.Fatalf("health: %d %v", st, anon)
		}
		for _, f := range []string{"node_id", "commune", "cluster", "unreplicated", "uplink"} {
			if _, ok := anon[f]; !ok {
				t.Errorf("anonymous health lacks %s: %v", f, anon)
			}
		}
		if _, ok := anon["version"]; ok {
			t.Errorf("anonymous health tells the version: %v", anon)
		}
		if _, ok := anon["agency"]; ok {
			t.Errorf("anonymous health tells the agency: %v", anon)
		}
		if _, signed := d.json("GET", "/api/v1/health", ""); signed["version"] != "test" {
			t.Errorf("signed-in health: %v", signed)
		}
	})
}
