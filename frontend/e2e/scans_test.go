//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// receiveForTest receives a dossier through the API as the desk and returns
// its code and the desk's token.
func receiveForTest(t *testing.T, name, id string) (code, desk string) {
	t.Helper()
	desk, err := world.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Code string }
	status, err := world.api("POST", "/dossiers", desk, map[string]any{"procedure_code": "1.001193",
		"applicant": map[string]string{"full_name": name, "id_number": id, "date_of_birth": "1990-03-05"},
		"documents": []map[string]any{{"name": "Tờ khai", "copies": 1}}}, &d)
	if err != nil || status != http.StatusCreated || d.Code == "" {
		t.Fatalf("receive: %d %v", status, err)
	}
	return d.Code, desk
}

// scanPNG writes a small PNG, a stand-in for a scanned page, and returns its bytes.
func scanPNG(t *testing.T, path string, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetGray(x, y, color.Gray{Y: uint8(255 - (x*7+y*3)%64)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type attachmentJSON struct {
	SHA256    string `json:"sha256"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	By        string `json:"by"`
}

type dossierJSON struct {
	Status      string           `json:"status"`
	Attachments []attachmentJSON `json:"attachments"`
	Rating      *struct {
		Value string `json:"value"`
		Note  string `json:"note"`
		By    string `json:"by"`
	} `json:"rating"`
}

func getDossier(t *testing.T, tok, code string) dossierJSON {
	t.Helper()
	var d dossierJSON
	if status, err := world.api("GET", "/dossiers/"+code, tok, nil, &d); err != nil || status != http.StatusOK {
		t.Fatalf("GET dossier %s: %d %v", code, status, err)
	}
	return d
}

// rawUpload posts a file's bytes to the attachments route as the UI does,
// and returns the status and the decoded error message, if any.
func rawUpload(t *testing.T, tok, code, name, ctype string, data []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", world.base+"/api/v1/dossiers/"+code+"/attachments?name="+url.QueryEscape(name), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e.Error.Message
}

// A receiver attaches a scanned page to a dossier from its page: it shows
// in the list and opens; the same page again (under another name) is
// recognised as already attached and not listed twice; a text file dressed
// as a PNG is refused with the server's Vietnamese message, and a file over
// the size limit with a clear one, chosen together; neither changes anything.
func TestScansOnTheDossierPage(t *testing.T) {
	code, desk := receiveForTest(t, "Vũ Thị Quét", "001190004455")
	dir := t.TempDir()
	first := filepath.Join(dir, "giay-chung-sinh.png")
	scan := scanPNG(t, first, 120, 80)
	again := filepath.Join(dir, "chup-lai.png")
	if err := os.WriteFile(again, scan, 0o644); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "ghi-chu.png")
	text := []byte("Đây là một tệp văn bản, không phải ảnh quét.\n")
	if err := os.WriteFile(fake, text, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "ban-quet-600dpi.pdf") // over the 10 MiB limit
	if err := os.WriteFile(big, []byte("%PDF-1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 10<<20+1); err != nil {
		t.Fatal(err)
	}

	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.do(chromedp.Navigate(world.base + "/#/dossiers/" + code))
	p.waitText("#dossier-status", "Được tiếp nhận")
	p.waitText(".scans", "Giấy tờ đã số hóa")
	if !p.exists("#scan-none") || p.exists("#scan-list") {
		p.fail("a new dossier shows attachments: %s", p.text(".scans"))
	}
	rows := func() int { return eval[int](p, `document.querySelectorAll('#scan-list li').length`) }

	// A new scan: listed with its name, type and size.
	p.do(chromedp.SetUploadFiles(chromedp.ID("scan-file"), []string{first}))
	p.waitFor(`#scan-results [data-kind="added"]`, "the upload to succeed")
	p.waitText("#scan-list", "giay-chung-sinh.png")
	if n := rows(); n != 1 {
		p.fail("%d attachments listed after one upload", n)
	}
	if row := p.text("#scan-list li"); !strings.Contains(row, "PNG") || !strings.Contains(row, "KB") || !strings.Contains(row, "Lê Thị Tiếp") {
		p.fail("attachment row %q lacks its type, size or who attached it", row)
	}
	if p.exists("#scan-results .error") {
		p.fail("upload error: %s", p.text("#scan-results"))
	}

	// The same content under another name: the server keeps it once and
	// the page says so.
	p.do(chromedp.SetUploadFiles(chromedp.ID("scan-file"), []string{again}))
	p.waitFor(`#scan-results [data-kind="duplicate"]`, "the duplicate to be reported")
	if msg := p.text(`#scan-results [data-kind="duplicate"]`); !strings.Contains(msg, "chup-lai.png") || !strings.Contains(msg, "giay-chung-sinh.png") {
		p.fail("duplicate message %q names neither the file nor the one already attached", msg)
	}
	if n := rows(); n != 1 {
		p.fail("%d attachments listed after the same scan twice, want 1", n)
	}

	// Two files at once: not a scan (the server's own Vietnamese message
	// shows by the input), and too large (refused before it is sent).
	_, want := rawUpload(t, desk, code, "ghi-chu.png", "image/png", text)
	if want == "" || !hasVietnameseLetters(want) {
		t.Fatalf("the API gave no Vietnamese message for a text file: %q", want)
	}
	p.do(chromedp.SetUploadFiles(chromedp.ID("scan-file"), []string{fake, big}))
	p.waitJS(`document.querySelectorAll('#scan-results [data-kind="error"]').length === 2`, "both refusals to be shown")
	msgs := eval[[]string](p, `Array.from(document.querySelectorAll('#scan-results [data-kind="error"]'), (e) => e.textContent)`)
	if !strings.Contains(msgs[0], want) || !strings.Contains(msgs[0], "ghi-chu.png") {
		p.fail("error %q, want the file's name and the API's message %q", msgs[0], want)
	}
	if !strings.Contains(msgs[1], "ban-quet-600dpi.pdf") || !strings.Contains(msgs[1], "Tệp quá lớn") || !strings.Contains(msgs[1], "10 MB") {
		p.fail("error %q for a 10 MiB + 1 byte file, want it named and the limit given", msgs[1])
	}
	if n := rows(); n != 1 {
		p.fail("%d attachments listed after refused files, want 1", n)
	}
	p.shot("80-scans")

	// The server agrees, and serves the very bytes.
	d := getDossier(t, desk, code)
	if len(d.Attachments) != 1 {
		t.Fatalf("the dossier has %d attachments, want 1: %+v", len(d.Attachments), d.Attachments)
	}
	a := d.Attachments[0]
	if a.Name != "giay-chung-sinh.png" || a.MediaType != "image/png" || a.Size != int64(len(scan)) || a.Width != 120 || a.Height != 80 || a.By != "letiep" {
		t.Fatalf("attachment %+v", a)
	}
	req, _ := http.NewRequest("GET", world.base+"/api/v1/dossiers/"+code+"/attachments/"+a.SHA256, nil)
	req.Header.Set("Authorization", "Bearer "+desk)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !bytes.Equal(got, scan) {
		t.Fatalf("GET attachment: %d, %d bytes (want %d), %v", res.StatusCode, len(got), len(scan), err)
	}

	// It opens from the list (a new tab in a browser).
	p.click("#scan-list li button")
	p.waitPDFTab()
	if p.exists("#scan-open-error") {
		p.fail("opening the scan failed: %s", p.text("#scan-open-error"))
	}

	// An official without the desk role sees the list but cannot attach.
	q := newPage(t, 1366, 768)
	q.signIn("chuyenvien", password("chuyenvien"))
	q.do(chromedp.Navigate(world.base + "/#/dossiers/" + code))
	q.waitText("#scan-list", "giay-chung-sinh.png")
	if q.exists("#scan-file") {
		q.fail("a specialist is offered to attach files")
	}
}

// act takes a workflow action through the API.
func act(t *testing.T, tok, code, action string) {
	t.Helper()
	var d struct{ Status string }
	if status, err := world.api("POST", "/dossiers/"+code+"/actions", tok, map[string]string{"action": action}, &d); err != nil || status != http.StatusOK {
		t.Fatalf("%s: %d %v", action, status, err)
	}
}

// The citizen's satisfaction is recorded at the desk once the result is
// returned, with the keyboard, and then shown instead of the choice.
func TestRatingAtReturn(t *testing.T) {
	code, desk := receiveForTest(t, "Đinh Văn Hài", "001090006677")

	p := newPage(t, 1366, 768)
	p.signIn("letiep", password("letiep"))
	p.do(chromedp.Navigate(world.base + "/#/dossiers/" + code))
	p.waitText("#dossier-status", "Được tiếp nhận")
	if p.exists("#rating") {
		p.fail("a dossier not yet returned offers a rating: %s", p.text("#rating"))
	}

	// Through its workflow in the API: forwarded, resolved, returned.
	spec, err := world.login("chuyenvien", password("chuyenvien"))
	if err != nil {
		t.Fatal(err)
	}
	act(t, desk, code, "forward")
	act(t, spec, code, "resolve")
	act(t, desk, code, "return")

	p.do(chromedp.Reload())
	p.waitText("#dossier-status", "Đã trả kết quả")
	p.waitText("#rating", "Đánh giá của công dân")
	if !eval[bool](p, `document.querySelector('#rating-save').disabled`) {
		p.fail("the rating can be recorded before one is chosen")
	}
	p.do(chromedp.Focus(chromedp.CSS(`#rating button[data-rating="satisfied"]`)))
	p.key(" ")
	p.waitJS(`document.querySelector('#rating button[data-rating="satisfied"]').getAttribute('aria-pressed') === 'true'`, "Hài lòng to be chosen")
	p.typeInto("#rating-note", "Cán bộ hướng dẫn tận tình")
	p.shot("81-rating-choice")
	p.click("#rating-save")
	p.waitText("#rating-value", "Hài lòng")
	if by := p.text("#rating-by"); !strings.Contains(by, "Lê Thị Tiếp") {
		p.fail("the recorded rating does not say who recorded it: %q", by)
	}
	if p.exists("#rating-save") || p.exists("#rating-error") {
		p.fail("after recording, the form or an error is still shown: %s", p.text("#rating"))
	}
	p.shot("81-rating")

	d := getDossier(t, desk, code)
	if d.Rating == nil || d.Rating.Value != "satisfied" || d.Rating.Note != "Cán bộ hướng dẫn tận tình" || d.Rating.By != "letiep" {
		t.Fatalf("the API has rating %+v, want satisfied with the note, by letiep", d.Rating)
	}

	// A second rating is refused by the server; the page shows the first.
	status, err := world.api("POST", "/dossiers/"+code+"/rating", desk, map[string]string{"rating": "dissatisfied"}, nil)
	if err != nil || status != http.StatusConflict {
		t.Fatalf("a second rating: %d %v, want %d", status, err, http.StatusConflict)
	}
	p.do(chromedp.Reload())
	p.waitText("#rating-value", "Hài lòng")
	if v := eval[string](p, `document.querySelector('#rating-value').dataset.rating`); v != "satisfied" {
		p.fail("after a reload the page shows rating %q", v)
	}
}
