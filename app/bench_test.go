package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"xaso/app"
)

// BenchmarkReceive16 is sixteen desks receiving at once through the
// service and the store (fsync per group commit), without HTTP.
func BenchmarkReceive16(b *testing.B) {
	f := newFixture(b, time.Date(2026, 3, 2, 8, 0, 0, 0, app.VN()))
	r := f.users[app.RoleReceiver]
	in := app.ReceiveInput{ProcedureCode: "1.001193", Applicant: applicant()}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/16 + 1
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := f.svc.Receive(context.Background(), r, in, ""); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*16)/b.Elapsed().Seconds(), "receipts/s")
}

// BenchmarkStatusTerminal is the lookup every fold and list row makes: it
// should neither allocate nor build the status table anew.
func BenchmarkStatusTerminal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !app.StatusReturned.Terminal() || app.StatusProcessing.Terminal() {
			b.Fatal("wrong answer")
		}
	}
}
