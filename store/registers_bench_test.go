package store

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
	"xaso/store/storetest"
)

// BenchmarkRegisterScan500k: a search across every register over a
// commune's century of books (500,000 entries, storetest.Entries), as
// SearchEntries runs it for GET /registers/search. The entries' state and
// normalised copies are written straight into their buckets (the fold of
// 500,000 commands takes longer than a bench run may on a busy PC; the
// figures of a real fold are TestBenchRegisters's). Reported beside the
// latency: the bytes of normalised copies a search reads and the state
// bytes kept per entry.
func BenchmarkRegisterScan500k(b *testing.B) {
	const n = 500_000
	s, err := Open(Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cmds := storetest.Entries(n, 7, time.Now())
	var textBytes int
	for i := 0; i < len(cmds); i += 50_000 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, c := range cmds[i:min(i+50_000, len(cmds))] {
				body, err := c.Decode()
				if err != nil {
					return err
				}
				eb, ok := body.(*app.EntryBody)
				if !ok {
					continue
				}
				var e app.Entry
				e.Apply(c, body)
				raw, err := marshalPacked(e)
				if err != nil {
					return err
				}
				key := entryKey(eb.Register, eb.Number)
				if err := tx.Bucket(bEntries).Put(key, raw); err != nil {
					return err
				}
				if err := keepEntryRows(tx, key, app.Entry{}, e); err != nil {
					return err
				}
				textBytes += len(app.EntrySearchText(e))
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(filepath.Join(s.dir, "xaso.db"))
	if err != nil {
		b.Fatal(err)
	}
	queries := []string{"nguyen van an", "tran thi hoa", "le duc", "hoang minh son", "thuy", "1998", "do thi lan",
		"vo quang trung", "bich", "mai xuan", "nguyen", "dinh cong thang"}
	var lat []time.Duration
	found := 0
	b.ResetTimer()
	for i := range b.N {
		key := app.TextKey(queries[i%len(queries)])
		t0 := time.Now()
		k := 0
		if err := s.SearchEntries(key, func(app.Entry) bool { k++; return k < 50 }); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		found += k
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(found)/float64(b.N), "hits/op")
	b.ReportMetric(float64(textBytes)/n, "copy-B/entry")
	b.ReportMetric(float64(fi.Size())/n, "state-B/entry")
}
