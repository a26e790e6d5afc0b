package update

import (
	"testing"
	"time"

	"xaso/app"
)

func TestOutsideOfficeHours(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, app.VN()) }
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{at(2, 6, 59), true},   // Wednesday before seven
		{at(2, 7, 0), false},   // office opens
		{at(2, 17, 59), false}, // still open
		{at(2, 18, 0), true},   // evening
		{at(5, 10, 0), true},   // Saturday
		{at(6, 10, 0), true},   // Sunday
		{time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), false}, // 10:00 in Vietnam
	} {
		if got := OutsideOfficeHours(c.at); got != c.want {
			t.Errorf("%v: %v, want %v", c.at, got, c.want)
		}
	}
}
