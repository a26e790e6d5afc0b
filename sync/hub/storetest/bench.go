package storetest

import (
	"context"
	"testing"
	"time"

	"xaso/app"
	gen "xaso/store/storetest"
	"xaso/sync/hub"
)

// Ingest measures a storage taking 16 communes' batches at once (500
// commands a batch, as an office's push carries them; per commune one batch
// at a time, as the hub serialises them): commands per second, and bytes on
// disk per dossier from size.
func Ingest(b *testing.B, st hub.Storage, size func() int64) {
	const communes, perCommune, batch = 16, 4000, 500
	codes := app.Communes()[:communes]
	streams := make([][]app.Command, communes)
	dossiers := 0
	for i := range streams {
		streams[i] = gen.Dossiers(perCommune, uint64(i+1), time.Date(2026, 12, 3, 16, 0, 0, 0, app.VN()))
		for _, c := range streams[i] {
			if c.Kind == app.KindDossierReceive {
				dossiers++
			}
		}
	}
	before := size()
	b.ResetTimer()
	began := time.Now()
	total := 0
	for range b.N {
		errs := make(chan error, communes)
		for i, code := range codes {
			go func() {
				cl, err := st.Commune(code.Code)
				if err != nil {
					errs <- err
					return
				}
				for j := 0; j < len(streams[i]); j += batch {
					if _, err := cl.Apply(context.Background(), streams[i][j:min(j+batch, len(streams[i]))]); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
			total += len(streams[i])
		}
		for range communes {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	took := time.Since(began)
	b.StopTimer()
	b.ReportMetric(float64(total)/took.Seconds(), "cmds/s")
	b.ReportMetric(float64(size()-before)/float64(dossiers), "diskB/dossier")
}
