package store

import (
	"context"
	"maps"
	"testing"
	"time"

	"xaso/app"
)

// A PC's name is the latest naming command of it, whatever order the
// commands arrive in (a PC that was off learns the names from the log), and
// a cleared name is gone.
func TestPCNamesFold(t *testing.T) {
	g := &gen{at: t0}
	first := g.cmd(t, app.KindPCName, "admin", "na", time.Minute, &app.PCName{NodeID: "nb0000000000000001", Name: "Tiếp nhận 1"})
	second := g.cmd(t, app.KindPCName, "admin", "na", time.Minute, &app.PCName{NodeID: "nb0000000000000001", Name: "Tiếp nhận 2"})
	other := g.cmd(t, app.KindPCName, "admin", "nc", time.Minute, &app.PCName{NodeID: "nc0000000000000002", Name: "Một cửa"})
	cleared := g.cmd(t, app.KindPCName, "admin", "na", time.Minute, &app.PCName{NodeID: "nc0000000000000002"})
	for _, tc := range []struct {
		name string
		cmds []app.Command
		want map[string]string
	}{
		{"in order", []app.Command{first, second, other}, map[string]string{"nb0000000000000001": "Tiếp nhận 2", "nc0000000000000002": "Một cửa"}},
		{"the later one first", []app.Command{second, first}, map[string]string{"nb0000000000000001": "Tiếp nhận 2"}},
		{"cleared", []app.Command{other, cleared}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			for _, c := range tc.cmds {
				if err := s.Append(context.Background(), c); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.PCNames()
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("names %v, want %v", got, tc.want)
			}
		})
	}
}
