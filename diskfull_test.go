package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"xaso/sync/netns/netnstest"
)

// smallDisk mounts a tmpfs of 16 MiB for the test and unmounts it at the
// end. It needs root: without it the test is skipped with a message, or
// fails when XASO_NETNS_REQUIRED=1 (CI, where a skip would hide a problem).
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv(netnstest.RequiredEnv) == "1" {
			t.Fatal("a full disk is simulated with a tmpfs mount: run the tests as root")
		}
		t.Skip("a full disk is simulated with a tmpfs mount: needs root (run the tests as root, e.g. in CI)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fillDisk writes a file until the disk is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// TestServeDiskFull fills the disk under a running node: writes answer 507
// disk_full with "Đĩa đầy" (they answered 500 internal), /health says
// disk_full (it said ok), nothing is lost, and it all clears once space is
// freed.
func TestServeDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	disk := smallDisk(t)
	bin := buildBinary(t)
	dir := filepath.Join(disk, "data")
	p := startServe(t, bin, dir, freeAddr(t))
	token, codes := fillOffice(t, p, 3)
	filler := filepath.Join(disk, "filler")
	fillDisk(t, filler)

	full := false
	for i := 0; i < 500 && !full; i++ {
		st, d, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)})
		switch {
		case err != nil:
			t.Fatalf("write on a full disk: %v\n%s", err, p.logs)
		case st == 201: // bbolt reused pages the disk already held
			codes = append(codes, d["code"].(string))
		case st == 507:
			e := d["error"].(map[string]any)
			if e["code"] != "disk_full" || !strings.Contains(e["message"].(string), "Đĩa đầy") {
				t.Fatalf("507 with %v", e)
			}
			full = true
		default:
			t.Fatalf("write on a full disk: %d %v", st, d)
		}
	}
	if !full {
		t.Fatal("500 writes on a full disk all succeeded")
	}
	// A scan staged on the full disk is refused the same way.
	scan := append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 1<<20)...)
	req, _ := http.NewRequest("POST", p.url+"/api/v1/dossiers/"+codes[0]+"/attachments", bytes.NewReader(scan))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "image/jpeg")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 507 || !strings.Contains(string(body), `"disk_full"`) {
		t.Fatalf("attachment on a full disk: %d %s", res.StatusCode, body)
	}
	if _, h, err := call(p.url, "", "GET", "/api/v1/health", nil); err != nil || h["store"] != "disk_full" || h["status"] == "ok" {
		t.Fatalf("health on a full disk: %v %v", h, err)
	}
	for _, c := range codes { // what was acknowledged reads back
		if st, _, err := call(p.url, token, "GET", "/api/v1/dossiers/"+c, nil); err != nil || st != 200 {
			t.Fatalf("dossier %s on a full disk: %d %v", c, st, err)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, h, err := call(p.url, "", "GET", "/api/v1/health", nil); err != nil || h["store"] != "ok" || h["status"] != "ok" {
		t.Fatalf("health once space is back: %v %v", h, err)
	}
	if st, d, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(0)}); err != nil || st != 201 {
		t.Fatalf("write once space is back: %d %v %v", st, d, err)
	}
	stop(t, p)
}
