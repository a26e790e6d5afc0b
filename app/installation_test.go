package app

import (
	"bytes"
	"testing"
)

// A key of a later generation (the office replaced a revoked or stolen
// key) wins over the first one; within a generation the first stays.
func TestInstallKeyGenerations(t *testing.T) {
	seed := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	cases := []struct {
		name string
		keys []InstallKey
		want byte
	}{
		{"first of one generation", []InstallKey{{Seed: seed(1)}, {Seed: seed(2)}}, 1},
		{"a new generation replaces", []InstallKey{{Seed: seed(1)}, {Seed: seed(2), Generation: 1}}, 2},
		{"an older one does not come back", []InstallKey{{Seed: seed(1)}, {Seed: seed(2), Generation: 1}, {Seed: seed(3)}}, 2},
		{"first of the highest generation", []InstallKey{{Seed: seed(1)}, {Seed: seed(2), Generation: 1}, {Seed: seed(3), Generation: 1}}, 2},
	}
	for _, c := range cases {
		var k InstallKey
		for _, n := range c.keys {
			if err := n.validate(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			k.Apply(Command{}, &n)
		}
		if !bytes.Equal(k.Seed, seed(c.want)) {
			t.Errorf("%s: seed %d, want %d", c.name, k.Seed[0], c.want)
		}
	}
	if err := (&InstallKey{Seed: seed(1), Generation: -1}).validate(); err == nil {
		t.Error("a negative generation is accepted")
	}
}
