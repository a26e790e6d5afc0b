package hub_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/store"
	gen "xaso/store/storetest"
	"xaso/sync/hub"
)

// The open data of a month: each commune's row is the commune's own
// progress report (computed by its own store from the same commands), the
// province's totals are their sum, no personal data is published, and the
// files are public.
func TestOpenDataSumsCommunesReports(t *testing.T) {
	st := openStorage(t)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, app.VN())
	h, err := hub.New(hub.Config{Storage: st, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	per := app.Period{From: time.Date(2026, 11, 1, 0, 0, 0, 0, app.VN()), To: time.Date(2026, 12, 1, 0, 0, 0, 0, app.VN())}
	own := map[string]app.ProgressReport{}
	names := map[string]bool{}
	for i, code := range []string{"14701", "14704", "14707"} {
		cmds := gen.Dossiers(300+100*i, uint64(20+i), time.Date(2026, 12, 3, 16, 0, 0, 0, app.VN()))
		for _, c := range cmds {
			if b, err := c.Decode(); err == nil {
				if r, ok := b.(*app.ReceiveBody); ok {
					names[r.Applicant.FullName] = true
				}
			}
		}
		cl, err := st.Commune(code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Apply(context.Background(), cmds); err != nil {
			t.Fatal(err)
		}
		if err := st.PutCommuneInfo(hub.CommuneInfo{Code: code, LastSeen: now}); err != nil {
			t.Fatal(err)
		}
		// The commune's own report, by its own store.
		office, err := store.Open(store.Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if err := office.Apply(context.Background(), cmds...); err != nil {
			t.Fatal(err)
		}
		b := app.NewProgress(per, now)
		if err := office.DossiersForPeriod(per.From, per.To, func(d app.Dossier) error { b.Add(d); return nil }); err != nil {
			t.Fatal(err)
		}
		own[code] = b.Report()
		office.Close()
	}

	res, err := http.Get(srv.URL + "/open-data/monthly.json?month=2026-11") // no sign-in
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("monthly.json: %v %v", res, err)
	}
	var got hub.OpenMonth
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(got.Communes) != 3 || got.Month != "2026-11" {
		t.Fatalf("open data: month %s, %d communes", got.Month, len(got.Communes))
	}
	var sum app.ProgressCounts
	sum.Received.ByChannel = map[app.Channel]int{}
	var returned, rated int
	for _, c := range got.Communes {
		want := own[c.Code]
		if fmt.Sprint(c.ProgressCounts) != fmt.Sprint(want.ProgressCounts) || fmt.Sprint(c.ByProcedure) != fmt.Sprint(want.ByProcedure) ||
			c.Satisfaction != want.Satisfaction || c.Digitised != want.Digitised {
			t.Fatalf("commune %s:\n got %+v\nwant %+v", c.Code, c.ProgressReport, want)
		}
		if want.Received.New == 0 || want.Processed.Total == 0 {
			t.Fatalf("commune %s: an empty month proves nothing: %+v", c.Code, want.ProgressCounts)
		}
		w := want.ProgressCounts
		sum.Received.New += w.Received.New
		sum.Received.CarriedOver += w.Received.CarriedOver
		sum.Received.Total += w.Received.Total
		for ch, n := range w.Received.ByChannel {
			sum.Received.ByChannel[ch] += n
		}
		sum.Processed.Early += w.Processed.Early
		sum.Processed.OnTime += w.Processed.OnTime
		sum.Processed.Late += w.Processed.Late
		sum.Processed.Total += w.Processed.Total
		sum.InProgress.Total += w.InProgress.Total
		sum.InProgress.Overdue += w.InProgress.Overdue
		sum.InProgress.WithinDeadline += w.InProgress.WithinDeadline
		sum.Paused.Supplement += w.Paused.Supplement
		sum.Paused.Payment += w.Paused.Payment
		sum.Paused.Stopped += w.Paused.Stopped
		sum.Withdrawn += w.Withdrawn
		returned += want.Satisfaction.Returned
		rated += want.Satisfaction.Rated
	}
	p := got.Province
	if fmt.Sprint(p.ProgressCounts) != fmt.Sprint(sum) || p.Satisfaction.Returned != returned || p.Satisfaction.Rated != rated {
		t.Fatalf("province:\n got %+v\nwant the sum %+v", p.ProgressCounts, sum)
	}
	if want := float64(sum.Processed.Early+sum.Processed.OnTime) / float64(sum.Processed.Total); p.Indicators.OnTime != want {
		t.Fatalf("province on-time share %v, want %v", p.Indicators.OnTime, want)
	}

	res, err = http.Get(srv.URL + "/open-data/monthly.csv?month=2026-11")
	if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("monthly.csv: %v %v", res, err)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var provinceNew string
	for _, r := range recs {
		for _, f := range r {
			if names[f] {
				t.Fatalf("a citizen's name in the open data: %v", r)
			}
		}
		if r[1] == "province" && r[3] == "" {
			provinceNew = r[5]
		}
	}
	if provinceNew != fmt.Sprint(sum.Received.New) {
		t.Fatalf("CSV province row: new %q, want %d", provinceNew, sum.Received.New)
	}
	for _, bad := range []string{"/open-data/monthly.json?month=2026-13", "/open-data/monthly.json?month=2027-01"} {
		if res, err := http.Get(srv.URL + bad); err != nil || res.StatusCode != 400 {
			t.Fatalf("%s: %v %v", bad, res, err)
		}
	}
	if res, err := http.Get(srv.URL + "/open-data/people.csv"); err != nil || res.StatusCode != 404 {
		t.Fatalf("an unknown file: %v %v", res, err)
	}
}
