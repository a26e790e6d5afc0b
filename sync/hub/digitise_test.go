package hub_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"
	"time"

	"xaso/build/testkit"
)

// The digitising of an old book goes up with the other commands: the
// hub's drill-down of the commune counts its pages, entries and verified
// entries, and the page scans reach the hub like attachments.
func TestDigitisingReachesTheHub(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	node := startNode(t, nodeDir, hub.url, token, "--commune", "14701", "--agency", "000.00.31.H42")
	admin := login(t, node.url, "admin", nodePassword)
	first := desk(t, node)
	must(t, 201, node.url, admin, "POST", "/api/v1/users", map[string]any{"username": "hoa", "password": "Hoa-Nhap-2026!",
		"full_name": "Lê Thị Hoa", "roles": []string{"receiver"}})
	second := login(t, node.url, "hoa", "Hoa-Nhap-2026!")

	book := must(t, 201, node.url, first, "POST", "/api/v1/registers/old", map[string]any{"kind": "death", "year": 2004, "book": "02"})
	if book["id"] != "death-2004-02" {
		t.Fatalf("book %v", book)
	}
	img := image.NewRGBA(image.Rect(0, 0, 80, 60))
	for x := range 80 {
		img.Set(x, x%60, color.RGBA{R: 90, A: 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	req, _ := http.NewRequest("POST", node.url+"/api/v1/registers/death-2004-02/pages/1", bytes.NewReader(b.Bytes()))
	req.Header.Set("Content-Type", "image/png")
	req.Header.Set("Authorization", "Bearer "+first)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("page scan: %v %v", res, err)
	}
	res.Body.Close()
	sum := sha256.Sum256(b.Bytes())
	scanHash := hex.EncodeToString(sum[:])
	typing := map[string]any{"page": 1, "registered_on": "2004-06-02", "signer": "Đinh Văn Tâm", "signer_title": "Phó Chủ tịch",
		"facts": map[string]any{"subject": map[string]any{"full_name": "Vũ Văn Khải", "sex": "nam", "date_of_birth": "1931-01-01"},
			"date": "2004-05-30", "place": "Tại nhà, thôn Bắc", "declarant": map[string]any{"full_name": "Vũ Văn Lộc", "relation": "con"}}}
	for _, who := range []string{first, second} {
		must(t, 201, node.url, who, "POST", "/api/v1/registers/death-2004-02/transcriptions/17", typing)
	}
	synced(t, node, hub, admin, it, 20*time.Second)
	c := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)
	dg, _ := c["digitising"].(map[string]any)
	total, _ := dg["total"].(map[string]any)
	if total["pages"] != 1.0 || total["entries"] != 1.0 || total["verified"] != 1.0 || total["disputed"] != 0.0 {
		t.Fatalf("the hub's digitising of the commune: %v", c["digitising"])
	}
	testkit.WaitFor(t, 20*time.Second, "the page scan at the hub", func() bool { return hubHasBlob(t, hubDir, scanHash) })
}
