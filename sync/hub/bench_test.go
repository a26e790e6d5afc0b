package hub_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/build/testkit"
	"xaso/store"
	"xaso/sync/hub"
	"xaso/sync/uplink"
)

// receipts builds n receipt commands as a desk makes them (one dossier
// each), over as many days as the daily numbers need.
func receipts(tb testing.TB, clock *app.Clock, n int) []app.Command {
	tb.Helper()
	cat, err := app.DefaultCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	proc, version, ok := app.NewCatalogs(cat).Lookup("1.004873", time.Now())
	if !ok {
		tb.Fatal("procedure 1.004873 missing")
	}
	names := []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Đức", "Phạm Thu Hà", "Đỗ Minh Khôi"}
	base := time.Now().In(app.VN()).AddDate(0, 0, -n/999-1)
	out := make([]app.Command, 0, n)
	for i := range n {
		at := clock.Next()
		id := fmt.Sprintf("%016x", uint64(at)) + app.RandomID()[:16]
		day := base.AddDate(0, 0, i/999)
		body := &app.ReceiveBody{DossierID: id, Code: app.FormatCode("000.00.31.H42", day, i%999+1), Slot: 0, Seq: i%999 + 1,
			Procedure: app.ProcedureRef{Code: proc.Code, Name: proc.Name, Version: version, Rule: proc.Rule},
			Channel:   app.ChannelInPerson, Documents: proc.Documents, ReceivedAt: day, DueAt: day.AddDate(0, 0, 3),
			Applicant: app.Applicant{FullName: names[i%len(names)], IDNumber: fmt.Sprintf("0370900%05d", i%100000),
				DateOfBirth: "1990-05-01", Phone: "0912345678", Address: "Thôn Đông, xã Yên Mô, tỉnh Ninh Bình"}}
		c, err := app.NewCommand(id, app.KindDossierReceive, "motcua", "nbench0001", at, body)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// BenchmarkUplinkDrain measures an office draining a backlog into a hub
// over real HTTP: commands per second, bytes per command on the wire, and
// the drain time. XASO_BENCH_BACKLOG sets the backlog (default 10,000).
func BenchmarkUplinkDrain(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("XASO_BENCH_BACKLOG")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		st, err := store.Open(store.Config{Dir: filepath.Join(dir, "office")})
		if err != nil {
			b.Fatal(err)
		}
		clock := app.NewClock(time.Now, 0)
		ctx := context.Background()
		conf, _ := app.NewCommand(app.RandomID(), app.KindCommuneConfigure, "system", "nbench0001", clock.Next(),
			&app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"})
		all := append([]app.Command{conf}, receipts(b, clock, n)...)
		for i := 0; i < len(all); i += 2000 {
			if err := st.Append(ctx, all[i:min(i+2000, len(all))]...); err != nil {
				b.Fatal(err)
			}
		}
		db := openStorage(b)
		h, err := hub.New(hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}})
		if err != nil {
			b.Fatal(err)
		}
		var wire, pushes atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == uplink.PathPush {
				wire.Add(r.ContentLength)
				pushes.Add(1)
			}
			h.ServeHTTP(w, r)
		}))
		token, err := hub.NewToken(db, "14701", "", time.Now(), 0)
		if err != nil {
			b.Fatal(err)
		}
		u, err := uplink.New(uplink.Config{Hub: srv.URL, Token: token, Source: st, Log: st,
			NewCommand: func(kind string, body app.Body) (app.Command, error) {
				return app.NewCommand(app.RandomID(), kind, "system", st.NodeID(), clock.Next(), body)
			}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		began := time.Now()
		if err := u.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		drain := time.Since(began)
		b.StopTimer()
		if s := u.Status(); s.Unsent != 0 {
			b.Fatalf("unsent after the drain: %d", s.Unsent)
		}
		sent := float64(len(all))
		b.ReportMetric(sent/drain.Seconds(), "cmds/s")
		b.ReportMetric(float64(wire.Load())/sent, "wireB/cmd")
		b.ReportMetric(drain.Seconds(), "drain_s")
		b.ReportMetric(sent, "backlog")

		// The office is lost: a replacement PC rebuilds it from the hub.
		insts, err := db.Installations("14701")
		if err != nil || len(insts) != 1 {
			b.Fatalf("installations: %v %v", insts, err)
		}
		again, err := hub.NewToken(db, "14701", insts[0].ID, time.Now(), 0)
		if err != nil {
			b.Fatal(err)
		}
		fresh, err := store.Open(store.Config{Dir: filepath.Join(dir, "replacement")})
		if err != nil {
			b.Fatal(err)
		}
		r, err := uplink.New(uplink.Config{Hub: srv.URL, Token: again, Source: fresh, Log: fresh,
			NewCommand: func(kind string, body app.Body) (app.Command, error) {
				return app.NewCommand(app.RandomID(), kind, "system", fresh.NodeID(), clock.Next(), body)
			}})
		if err != nil {
			b.Fatal(err)
		}
		began = time.Now()
		if err := r.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(began).Seconds(), "rebuild_s")
		want, _ := st.StateHash()
		if got, _ := fresh.StateHash(); got != want {
			b.Fatalf("rebuilt state %s, office %s", got, want)
		}
		fresh.Close()
		srv.Close()
		db.Close()
		st.Close()
	}
}

// BenchmarkSixteenCommunesPush drains 16 offices' backlogs (2,000 receipts
// each) into one hub at once over HTTP: the hub's commands per second.
func BenchmarkSixteenCommunesPush(b *testing.B) {
	const offices, backlog = 16, 2000
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		db := openStorage(b)
		h, err := hub.New(hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(h)
		communes := app.Communes()
		ups := make([]*uplink.Uplink, offices)
		total := 0
		for i := range offices {
			code := communes[i].Code
			st, err := store.Open(store.Config{Dir: filepath.Join(dir, code)})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			clock := app.NewClock(time.Now, 0)
			conf, _ := app.NewCommand(app.RandomID(), app.KindCommuneConfigure, "system", "nbench0001", clock.Next(),
				&app.CommuneConfig{Commune: code, Agency: "000.00.31.H42"})
			cmds := append([]app.Command{conf}, receipts(b, clock, backlog)...)
			if err := st.Append(context.Background(), cmds...); err != nil {
				b.Fatal(err)
			}
			total += len(cmds)
			token, err := hub.NewToken(db, code, "", time.Now(), 0)
			if err != nil {
				b.Fatal(err)
			}
			if ups[i], err = uplink.New(uplink.Config{Hub: srv.URL, Token: token, Source: st, Log: st,
				NewCommand: func(kind string, body app.Body) (app.Command, error) {
					return app.NewCommand(app.RandomID(), kind, "system", st.NodeID(), clock.Next(), body)
				}}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		began := time.Now()
		errs := make(chan error, offices)
		for _, u := range ups {
			go func() { errs <- u.Sync(context.Background()) }()
		}
		for range offices {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(began)
		b.StopTimer()
		b.ReportMetric(float64(total)/took.Seconds(), "cmds/s")
		b.ReportMetric(took.Seconds(), "drain_s")
		srv.Close()
		db.Close()
	}
}

// BenchmarkCommunesList measures GET /api/v1/communes with every commune
// of Ninh Bình (129) holding XASO_BENCH_DOSSIERS dossiers each (default
// 1,000): p99 latency, and the hub's disk and this process's RSS.
func BenchmarkCommunesList(b *testing.B) {
	per := 1000
	if v, err := strconv.Atoi(os.Getenv("XASO_BENCH_DOSSIERS")); err == nil && v > 0 {
		per = v
	}
	for range b.N {
		b.StopTimer()
		db, diskBytes := openSized(b)
		h, err := hub.New(hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}})
		if err != nil {
			b.Fatal(err)
		}
		clock := app.NewClock(time.Now, 0)
		base := receipts(b, clock, per)
		for _, c := range app.Communes() {
			if _, err := hub.NewToken(db, c.Code, "", time.Now(), 0); err != nil { // lists the commune
				b.Fatal(err)
			}
			cl, err := db.Commune(c.Code)
			if err != nil {
				b.Fatal(err)
			}
			conf, _ := app.NewCommand(app.RandomID(), app.KindCommuneConfigure, "system", "nbench0001", clock.Next(),
				&app.CommuneConfig{Commune: c.Code, Agency: "000.00.31.H42"})
			if _, err := cl.Apply(context.Background(), append([]app.Command{conf}, base...)); err != nil {
				b.Fatal(err)
			}
		}
		it, err := h.SignInForTest("bench")
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(h)
		var lat []time.Duration
		b.StartTimer()
		for range 50 {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/communes", nil)
			req.Header.Set("Authorization", "Bearer "+it)
			t0 := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("GET /communes: %v %v", res, err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(lat[0].Microseconds())/1000, "min_ms")
		b.ReportMetric(float64(diskBytes())/(1<<20), "disk_MB")
		b.ReportMetric(testkit.StatusMB(os.Getpid(), "VmRSS:"), "rss_MB")
		srv.Close()
		db.Close()
	}
}
