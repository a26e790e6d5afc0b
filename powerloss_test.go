package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"xaso/store"
	"xaso/store/powercut"
	"xaso/sync/netns/netnstest"
)

// TestServeSurvivesPowerLoss runs `xaso serve` on a disk that keeps only
// what was synced (store/powercut, a FUSE layer: unsynced writes live in
// memory until fsync), with sixteen desks receiving and forwarding. The
// power goes: unsynced writes are dropped and the process dies. Started
// again on what the disk kept, every acknowledged receipt and forward is
// there, no code was issued twice, and the state equals the replay of the
// command log (the doctor's rebuild folds the log into a fresh file). A
// SIGKILL proves none of this: the kernel keeps what the process wrote.
func TestServeSurvivesPowerLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if err := powercut.Available(); err != nil {
		if os.Getenv(netnstest.RequiredEnv) == "1" {
			t.Fatal("the power-loss disk is a FUSE mount: ", err) // CI, where a skip would hide a problem
		}
		t.Skip("the power-loss disk is a FUSE mount: ", err)
	}
	bin := buildBinary(t)
	backing, mnt := t.TempDir(), t.TempDir()
	disk, err := powercut.Mount(backing, mnt)
	if err != nil {
		t.Fatal(err)
	}
	unmounted := false
	t.Cleanup(func() {
		if !unmounted {
			disk.PowerOff()
			disk.Unmount()
		}
	})
	p := startServe(t, bin, filepath.Join(mnt, "data"), freeAddr(t))
	token := official(t, p.url, "receiver", "specialist", "leader")

	type ack struct {
		key, code string
		forwarded bool
	}
	var (
		mu    sync.Mutex
		acks  = map[string]*ack{}
		count atomic.Int64
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for desk := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("desk%02d-%05d", desk, i)
				st, d, err := call(p.url, token, "POST", "/api/v1/dossiers",
					map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)}, "Idempotency-Key", key)
				if err != nil || st != 201 {
					return // the power went
				}
				a := &ack{key: key, code: d["code"].(string)}
				mu.Lock()
				acks[key] = a
				mu.Unlock()
				count.Add(1)
				if i%2 == 0 {
					st, _, err := call(p.url, token, "POST", "/api/v1/dossiers/"+a.code+"/actions", map[string]string{"action": "forward"})
					if err != nil || st != 200 {
						return
					}
					mu.Lock()
					a.forwarded = true
					mu.Unlock()
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for count.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Every answer given from now on was synced before, or is an error.
	if err := disk.PowerOff(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	cancel()
	wg.Wait()
	if err := disk.Unmount(); err != nil {
		t.Fatal(err)
	}
	unmounted = true
	if len(acks) < 50 {
		t.Fatalf("only %d receipts acknowledged before the power cut\n%s", len(acks), p.logs)
	}
	t.Logf("power cut after %d acknowledged receipts", len(acks))

	dir := filepath.Join(backing, "data")
	p = startServe(t, bin, dir, freeAddr(t))
	token = login(t, p.url, "mai", "password-mai")
	codes := map[string]string{}
	for _, a := range acks {
		st, d, err := call(p.url, token, "GET", "/api/v1/dossiers/"+a.code, nil)
		if err != nil || st != 200 {
			t.Fatalf("acknowledged dossier %s lost in the power cut: %d %v", a.code, st, err)
		}
		if a.forwarded && d["status"] != "processing" {
			t.Fatalf("acknowledged forward of %s lost in the power cut: status %v", a.code, d["status"])
		}
		if prev, dup := codes[a.code]; dup {
			t.Fatalf("code %s issued to %s and %s", a.code, prev, a.key)
		}
		codes[a.code] = a.key
	}
	// New receipts after the restart do not take a code given before.
	for i := range 20 {
		st, d, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)})
		if err != nil || st != 201 {
			t.Fatalf("receive after the restart: %d %v %v", st, d, err)
		}
		if prev, dup := codes[d["code"].(string)]; dup {
			t.Fatalf("code %s issued again after the power cut (first to %s)", d["code"], prev)
		}
	}
	stop(t, p)
	before := stateHash(t, dir)
	if _, err := store.Rebuild(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	if after := stateHash(t, dir); after != before {
		t.Fatalf("state after the power cut %s, the replay of its command log %s", before, after)
	}
}
