package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"xaso/app"
)

// BenchmarkUnsentDrained is one uplink round on an office of 100,000
// commands the hub holds but ten: Unsent reads the index, not the log.
func BenchmarkUnsentDrained(b *testing.B) {
	s := openTest(b)
	g := &gen{at: t0}
	const n = 100_000
	var batch []app.Command
	var ids []string
	for i := range n {
		c := g.cmd(b, app.KindUserCreate, "admin", "na", time.Millisecond, &app.UserBody{Username: fmt.Sprintf("u%06d", i), FullName: "Nguyễn Văn An"})
		batch = append(batch, c)
		if i >= 10 {
			ids = append(ids, c.ID)
		}
		if len(batch) == 2000 || i == n-1 {
			if err := s.Apply(context.Background(), batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for i := 0; i < len(ids); i += 1000 {
		sent := g.cmd(b, app.KindUplinkSent, "system", "na", time.Millisecond, &app.UplinkSent{IDs: ids[i:min(i+1000, len(ids))]})
		sent.ID = fmt.Sprintf("%s%06d", app.UplinkSentPrefix, i)
		if err := s.Apply(context.Background(), sent); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if cmds, left, err := s.Unsent("", 1000); err != nil || left != 10 || len(cmds) != 10 {
			b.Fatalf("%d %d %v", len(cmds), left, err)
		}
	}
}
