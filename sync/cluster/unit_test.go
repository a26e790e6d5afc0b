package cluster

import (
	"testing"

	"xaso/app"
)

func TestEntryRoundTrip(t *testing.T) {
	var cmds []app.Command
	for i := range 3 {
		c, err := app.NewCommand(app.RandomID(), app.KindSlotLease, "system", "n1", app.HLC(1000+i), &app.SlotBody{Slot: i, Node: "n1"})
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	b, err := encodeEntry(cmds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeEntry(b)
	if err != nil || len(got) != 3 || got[2].ID != cmds[2].ID || string(got[1].Body) != string(cmds[1].Body) {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	if got, err := decodeEntry(nil); err != nil || got != nil {
		t.Fatalf("no-op entry: %v %v", got, err)
	}
	for _, bad := range [][]byte{{5}, append([]byte{1, 200}, b[2:10]...), b[:len(b)-1]} {
		if _, err := decodeEntry(bad); err == nil {
			t.Errorf("broken entry %x decoded", bad)
		}
	}
}
