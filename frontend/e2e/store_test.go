//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"xaso/store/storetest"
)

// A PC whose data file has a damaged page: the status bar says so in a red
// word and, above it, a banner in plain Vietnamese says what still works
// and what to do; saving a dossier is refused with the same words.
func TestDamagedStoreBanner(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	pc := *world // the same harness, another server
	pc.base = "http://" + addr
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"serve", "--data", dir, "--listen", addr, "--commune", "14701", "--agency", "000.00.31.H42"}
	stop, _, err := startXaso(world.bin, filepath.Join(world.artifacts, "damaged-1.log"), args, nil, pc.base)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.createOfficials(); err != nil {
		stop()
		t.Fatal(err)
	}
	tok, err := pc.login("letiep", password("letiep"))
	if err != nil {
		stop()
		t.Fatal(err)
	}
	dossier := map[string]any{"procedure_code": "1.004873", "applicant": map[string]any{"full_name": "Nguyễn Văn An",
		"id_number": "037090001234", "date_of_birth": "1990-05-01", "phone": "0912345678"}}
	for range 20 {
		if code, err := pc.api("POST", "/dossiers", tok, dossier, nil); err != nil || code != http.StatusCreated {
			stop()
			t.Fatalf("receive: %d %v", code, err)
		}
	}
	stop()

	path := filepath.Join(dir, "xaso.db")
	storetest.DamageBucket(t, path, "dossiers")
	stop, _, err = startXaso(world.bin, filepath.Join(world.artifacts, "damaged-2.log"), args, nil, pc.base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	p := newPage(t, 1366, 768)
	p.signInAt(pc.base, "letiep", password("letiep"))
	p.waitText("#sb-store", "Tệp dữ liệu bị hỏng")
	p.waitText("#sb-store-banner", "xaso doctor")
	p.shot("70-store-damaged-banner")
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	tok, err = pc.login("letiep", password("letiep"))
	if err != nil {
		t.Fatal(err)
	}
	if code, err := pc.api("POST", "/dossiers", tok, dossier, &e); err != nil || code != http.StatusServiceUnavailable ||
		e.Error.Code != "store_damaged" {
		t.Fatalf("receive on a damaged store: %d %+v %v", code, e, err)
	}
}
