package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/node"
	"xaso/store"
	"xaso/store/storetest"
)

// The registers' figures of `make bench` (bench-registers): entries per
// second through the real API (old books typed twice, and births entered
// at resolution), search p99 over a commune's century of books (500,000
// entries) over HTTP, and disk per entry, beside figures that do not depend
// on the machine (commands and bytes per entry, the normalised copy search
// reads). Run with XASO_BENCH=1; it asserts nothing about speed.
func TestBenchRegisters(t *testing.T) {
	if os.Getenv("XASO_BENCH") == "" {
		t.Skip("set XASO_BENCH=1 (make bench)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	p := startServe(t, bin, dir, freeAddr(t))
	first := official(t, p.url, "receiver", "specialist", "leader")
	admin := login(t, p.url, "admin", "admin-password")
	if st, out, err := call(p.url, admin, "POST", "/api/v1/users", map[string]any{"username": "hoa", "password": "password-hoa",
		"full_name": "Lê Thị Hoa", "roles": []string{"receiver"}}); err != nil || st != 201 {
		t.Fatalf("second typist: %d %v %v", st, out, err)
	}
	second := login(t, p.url, "hoa", "password-hoa")
	if st, out, err := call(p.url, first, "POST", "/api/v1/registers/old", map[string]any{"kind": "birth", "year": 1998, "book": "01"}); err != nil || st != 201 {
		t.Fatalf("open old book: %d %v %v", st, out, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 200, 280))
	for x := range 200 {
		img.Set(x, x%280, color.RGBA{A: 255})
	}
	var scan bytes.Buffer
	png.Encode(&scan, img)
	req, _ := http.NewRequest("POST", p.url+"/api/v1/registers/birth-1998-01/pages/1", &scan)
	req.Header.Set("Authorization", "Bearer "+first)
	req.Header.Set("Content-Type", "image/png")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("page scan: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	dbBefore := fileSize(t, filepath.Join(dir, "xaso.db")) + fileSize(t, filepath.Join(dir, "wal"))

	// Old book entries, each typed twice (by two officials, alike: verified),
	// 4 pairs of typists at once on different entries.
	const typed = 2000
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w + 1; i <= typed; i += 4 {
				body := map[string]any{"page": 1, "registered_on": "1998-05-04", "signer": "Phạm Văn Đông",
					"facts": map[string]any{"subject": map[string]any{"full_name": fmt.Sprintf("Nguyễn Văn Số %d", i), "sex": "nam"},
						"mother": map[string]any{"full_name": "Trần Thị Mẹ"}, "date": "1998-04-30", "place": "Xã Yên Mô",
						"declarant": map[string]any{"full_name": "Trần Thị Mẹ", "relation": "mẹ"}}}
				for _, who := range []string{first, second} {
					t0 := time.Now()
					st, out, err := call(p.url, who, "POST", fmt.Sprintf("/api/v1/registers/birth-1998-01/transcriptions/%d", i), body)
					if err != nil || st != 201 {
						t.Errorf("typing %d: %d %v %v", i, st, out, err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	figure(t, "old-book entries verified (2 typings)", float64(typed)/wall.Seconds(), "entries/s")
	figure(t, "  typing p50", pct(lat, 50), "ms")
	figure(t, "  typing p99", pct(lat, 99), "ms")
	figure(t, "  commands per verified entry", 2, "commands")

	// Births entered at resolution: receive with facts, forward, resolve.
	const births = 300
	start = time.Now()
	for i := range births {
		st, d, err := call(p.url, first, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.001193", "applicant": applicant(i),
			"facts": map[string]any{"subject": map[string]any{"full_name": fmt.Sprintf("Lê Thị Sinh %d", i), "sex": "nữ"},
				"date": time.Now().AddDate(0, 0, -3).Format("2006-01-02"), "place": "Trạm y tế xã",
				"declarant": map[string]any{"full_name": "Lê Văn Cha", "relation": "cha"}}})
		if err != nil || st != 201 {
			t.Fatalf("receive: %d %v %v", st, d, err)
		}
		code := d["code"].(string)
		for _, a := range []string{"forward", "resolve"} {
			if st, out, err := call(p.url, first, "POST", "/api/v1/dossiers/"+code+"/actions", map[string]any{"action": a}); err != nil || st != 200 {
				t.Fatalf("%s: %d %v %v", a, st, out, err)
			}
		}
	}
	figure(t, "births entered at resolution (1 desk)", births/time.Since(start).Seconds(), "entries/s")
	p.cmd.Process.Signal(os.Interrupt)
	<-p.done
	dbAfter := fileSize(t, filepath.Join(dir, "xaso.db")) + fileSize(t, filepath.Join(dir, "wal"))
	figure(t, "disk per entry through the API (db and log)", float64(dbAfter-dbBefore)/float64(typed+births), "bytes")

	// A commune's century of books: 500,000 entries straight into the store.
	big := t.TempDir()
	n, err := node.Open(context.Background(), node.Config{Dir: big, Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Version: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	base := fileSize(t, filepath.Join(big, "xaso.db"))
	st, err := store.Open(store.Config{Dir: big, MaxBatch: 20000})
	if err != nil {
		t.Fatal(err)
	}
	total := 500_000
	if v, err := strconv.Atoi(os.Getenv("XASO_BENCH_ENTRIES")); err == nil && v > 0 {
		total = v // a quicker look
	}
	cmds := storetest.Entries(total, 7, time.Now())
	var text int
	for _, c := range cmds {
		if c.Kind != app.KindEntryCreate {
			continue
		}
		b, err := c.Decode()
		if err != nil {
			t.Fatal(err)
		}
		var e app.Entry
		e.Apply(c, b)
		text += len(app.EntrySearchText(e))
	}
	t0 := time.Now()
	for i := 0; i < len(cmds); i += 20000 {
		if err := st.Apply(context.Background(), cmds[i:min(i+20000, len(cmds))]...); err != nil {
			t.Fatal(err)
		}
	}
	figure(t, fmt.Sprintf("load %d entries into the store", total), float64(total)/time.Since(t0).Seconds(), "entries/s")
	st.Close()
	figure(t, fmt.Sprintf("disk per entry (%d, 1 command each)", total), float64(fileSize(t, filepath.Join(big, "xaso.db"))-base)/float64(total), "bytes")
	figure(t, "normalised copy per entry (search reads)", float64(text)/float64(total), "bytes")
	t0 = time.Now()
	p = startServe(t, bin, big, freeAddr(t))
	figure(t, fmt.Sprintf("start-up to first answer at %d entries", total), float64(time.Since(t0).Milliseconds()), "ms")
	admin = login(t, p.url, "admin", "admin-password")
	var slat []time.Duration
	for i, q := range []string{"nguyen van an", "tran thi hoa", "Lê Đức", "hoang minh son", "thuy", "1998", "do thi lan", "Võ Quang Trung", "bich", "mai xuan"} {
		for range 10 {
			t1 := time.Now()
			if st, _, err := call(p.url, admin, "GET", "/api/v1/registers/search?q="+strings.ReplaceAll(q, " ", "%20"), nil); err != nil || st != 200 {
				t.Fatalf("search %d: %d %v", i, st, err)
			}
			slat = append(slat, time.Since(t1))
		}
	}
	figure(t, fmt.Sprintf("register search over HTTP at %d p50", total), pct(slat, 50), "ms")
	figure(t, fmt.Sprintf("register search over HTTP at %d p99", total), pct(slat, 99), "ms")
	figure(t, fmt.Sprintf("rss at %d entries after searches", total), rssMB(p.cmd.Process.Pid), "MB")
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	if fi.IsDir() {
		var n int64
		filepath.Walk(path, func(_ string, f os.FileInfo, err error) error {
			if err == nil && !f.IsDir() {
				n += f.Size()
			}
			return nil
		})
		return n
	}
	return fi.Size()
}
