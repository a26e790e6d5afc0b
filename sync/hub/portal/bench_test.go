package portal_test

import (
	"encoding/json"
	"testing"
	"time"

	"xaso/app"
	gen "xaso/store/storetest"
	"xaso/sync/hub/portal"
)

// BenchmarkExport measures the exporter alone: dossiers per second turned
// into the portal's dossier and progress rows, and JSON bytes per dossier.
func BenchmarkExport(b *testing.B) {
	cmds := gen.Dossiers(10000, 3, time.Date(2026, 12, 3, 16, 0, 0, 0, app.VN()))
	byID := map[string]*app.Dossier{}
	var order []string
	for _, c := range cmds {
		body, err := c.Decode()
		if err != nil {
			b.Fatal(err)
		}
		id := app.EntityID(body.Entity())
		d := byID[id]
		if d == nil {
			d = &app.Dossier{}
			byID[id] = d
			order = append(order, id)
		}
		d.Apply(c, body)
	}
	unit := portal.Unit{Name: "UBND xã Yên Mô"}
	b.ResetTimer()
	began := time.Now()
	bytes := 0
	for range b.N {
		for _, id := range order {
			d, rows := portal.Export(*byID[id], unit)
			raw, _ := json.Marshal(map[string]any{"d": d, "p": rows})
			bytes += len(raw)
		}
	}
	took := time.Since(began)
	n := float64(b.N * len(order))
	b.ReportMetric(n/took.Seconds(), "dossiers/s")
	b.ReportMetric(float64(bytes)/n, "jsonB/dossier")
}
