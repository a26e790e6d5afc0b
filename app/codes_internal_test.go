package app

import "testing"

// TestPCNumberStable: the PC number is printed in provisional codes already
// handed to citizens; these values were computed by the first version and
// must not change.
func TestPCNumberStable(t *testing.T) {
	for _, tc := range []struct {
		node string
		want int
	}{
		{"", 136261},
		{"a", 2220},
		{"node-1", 144387},
		{"3f9c2a7b1e0d4c85", 986216},
		{"9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d", 137143},
		{"PC-Tiếp-nhận-01", 558907},
	} {
		if got := pcNumber(tc.node); got != tc.want {
			t.Errorf("pcNumber(%q) = %d, want %d", tc.node, got, tc.want)
		}
	}
}
