package cluster

import (
	"testing"
	"time"
)

func TestClockViewOffset(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	type obs struct {
		peer      string
		sent, got time.Duration // after t0, on our clock
		theirs    time.Duration // the peer's answer, after t0
	}
	cases := []struct {
		name  string
		obs   []obs
		now   time.Duration
		peers []string
		want  time.Duration
		n     int
	}{
		{"no reading", nil, 0, []string{"b"}, 0, 0},
		{"two PCs 7 minutes apart: each told half, rtt halved",
			[]obs{{"b", 0, 40 * ms, 7*time.Minute + 20*ms}}, time.Second, []string{"b"}, 7 * time.Minute / 2, 1},
		{"peer behind",
			[]obs{{"b", 0, 10 * ms, -3*time.Minute + 5*ms}}, time.Second, []string{"b"}, -3 * time.Minute / 2, 1},
		{"this PC slow: both others 7 minutes ahead",
			[]obs{{"b", 0, 0, 7 * time.Minute}, {"c", 0, 0, 7*time.Minute + 2*time.Second}}, time.Second, []string{"b", "c"}, 7 * time.Minute, 2},
		{"this PC right, one of the two others slow",
			[]obs{{"b", 0, 0, -7 * time.Minute}, {"c", 0, 0, time.Second}}, time.Second, []string{"b", "c"}, 0, 2},
		{"slow answer ignored",
			[]obs{{"b", 0, 2 * time.Second, time.Hour}}, 3 * time.Second, []string{"b"}, 0, 0},
		{"answer before question ignored",
			[]obs{{"b", 10 * ms, 0, time.Hour}}, time.Second, []string{"b"}, 0, 0},
		{"stale reading forgotten",
			[]obs{{"b", 0, 0, time.Hour}}, 3 * time.Minute, []string{"b"}, 0, 0},
		{"the latest reading of a peer counts",
			[]obs{{"b", 0, 0, time.Hour}, {"b", time.Second, time.Second, time.Second + 2*time.Minute}}, 2 * time.Second, []string{"b"}, time.Minute, 1},
		{"four PCs: one wrong peer does not move the median",
			[]obs{{"b", 0, 0, 4 * time.Minute}, {"c", 0, 0, 6 * time.Minute}, {"d", 0, 0, 5 * time.Hour}}, time.Second,
			[]string{"b", "c", "d"}, 5 * time.Minute, 3},
		{"only members count",
			[]obs{{"b", 0, 0, 2 * time.Minute}, {"gone", 0, 0, time.Hour}}, time.Second, []string{"b"}, time.Minute, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newClockView()
			for _, o := range tc.obs {
				v.observe(o.peer, t0.Add(o.sent), t0.Add(o.got), t0.Add(o.theirs))
			}
			got, n := v.offset(t0.Add(tc.now), tc.peers)
			if got != tc.want || n != tc.n {
				t.Fatalf("offset = %v from %d peers, want %v from %d", got, n, tc.want, tc.n)
			}
		})
	}
}

func TestClockViewDue(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	v := newClockView()
	steps := []struct {
		after time.Duration
		want  bool
	}{
		{0, true},                              // never asked
		{time.Second, false},                   // asked a second ago
		{clockRecheck - time.Second, false},    // not yet
		{clockRecheck, true},                   // due again
		{clockRecheck + time.Second, false},    // just asked
		{-time.Hour, true},                     // the clock was set back an hour: ask again
		{-time.Hour + time.Second, false},      // and not on the next tick
		{2*clockRecheck - time.Second, true},   // far ahead of the last ask
		{2*clockRecheck + time.Second, false},  // two seconds later
		{3*clockRecheck + 2*time.Second, true}, // due
	}
	for i, s := range steps {
		if got := v.due("b", t0.Add(s.after)); got != s.want {
			t.Fatalf("step %d (%v): due = %v, want %v", i, s.after, got, s.want)
		}
	}
	if !v.due("c", t0) {
		t.Fatal("another peer is due on its own")
	}
}

// A peer is off once it did not answer the last ask, and on again at its
// next answer; a peer never asked is not called off.
func TestPeerOffAfterAnUnansweredAsk(t *testing.T) {
	v := newClockView()
	for i, step := range []struct {
		answered *bool
		want     bool
	}{{nil, false}, {ptr(true), false}, {ptr(false), true}, {ptr(false), true}, {ptr(true), false}} {
		if step.answered != nil {
			v.reached("n2", *step.answered)
		}
		if got := v.off("n2"); got != step.want {
			t.Errorf("step %d: off %v, want %v", i, got, step.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
