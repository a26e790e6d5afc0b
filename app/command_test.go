package app

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestCommandRoundTrip(t *testing.T) {
	at := MakeHLC(time.Date(2026, 3, 2, 8, 0, 0, 0, vnZone).UnixMilli(), 3)
	c, err := NewCommand("0123456789abcdef", KindDossierAct, "mai", "n1", at, &ActBody{DossierID: "d1", Action: ActForward})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := c.Encode()
	back, err := DecodeCommand(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := back.Encode(); !bytes.Equal(b, raw) {
		t.Fatalf("round trip changed the bytes:\n%s\n%s", raw, b)
	}
	body, err := back.Decode()
	if err != nil || body.(*ActBody).Action != ActForward || body.Entity() != "dossier/d1" {
		t.Fatalf("decode body: %v %+v", err, body)
	}
	if back.At.Millis() != at.Millis() || uint64(back.At)&0xffff != 3 {
		t.Fatal("HLC lost in the round trip")
	}
}

func TestDecodeCommandRejects(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":        `{`,
		"trailing":        `{"id":"0123456789ab","kind":"x","v":1,"node":"n","at":1,"body":{}} {}`,
		"short id":        `{"id":"abc","kind":"x","v":1,"node":"n","at":1,"body":{}}`,
		"no kind":         `{"id":"0123456789ab","kind":"","v":1,"node":"n","at":1,"body":{}}`,
		"no node":         `{"id":"0123456789ab","kind":"x","v":1,"node":"","at":1,"body":{}}`,
		"zero time":       `{"id":"0123456789ab","kind":"x","v":1,"node":"n","at":0,"body":{}}`,
		"version 0":       `{"id":"0123456789ab","kind":"x","v":0,"node":"n","at":1,"body":{}}`,
		"body not object": `{"id":"0123456789ab","kind":"x","v":1,"node":"n","at":1,"body":[]}`,
		"negative time":   `{"id":"0123456789ab","kind":"x","v":1,"node":"n","at":-1,"body":{}}`,
	} {
		if _, err := DecodeCommand([]byte(raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := DecodeCommand([]byte(`{"id":"0123456789ab","kind":"dossier.sign","v":2,"node":"n","at":1,"body":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decode(); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	c.Kind = KindDossierAct
	if _, err := c.Decode(); err == nil || errors.Is(err, ErrUnknownKind) {
		t.Errorf("a known kind with a bad body must fail loudly, got %v", err)
	}
}

// The clock's rules (hlc.go): readings grow through small setbacks of the
// wall clock and follow large ones; peers a little ahead are taken over,
// peers days ahead are not; a command about an entity is stamped after the
// entity's last command whatever the clocks say.
func TestClockRules(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, vnZone)
	ms := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	type step struct {
		wall    time.Duration // the PC's clock, after t0
		observe time.Duration // a peer's reading (0: none)
		after   time.Duration // NextAfter this entity reading (0: Next)
		want    time.Duration // wall part of the reading issued, after t0
		same    bool          // the reading repeats the previous one's wall part (logical counter moves)
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"follows the wall clock", []step{{wall: 0, want: 0}, {wall: time.Second, want: time.Second}}},
		{"a setback of a minute is absorbed", []step{{wall: time.Minute, want: time.Minute}, {wall: 0, want: time.Minute, same: true}}},
		{"a setback of a day is followed (a wrong date corrected)", []step{{wall: 24 * time.Hour, want: 24 * time.Hour}, {wall: 0, want: 0}}},
		{"a peer a minute ahead is taken over", []step{{wall: 0, observe: time.Minute}, {wall: time.Second, want: time.Minute, same: true}}},
		{"a peer a day ahead is not", []step{{wall: 0, observe: 24 * time.Hour}, {wall: time.Second, want: time.Second}}},
		{"an entity stamped a day ahead: its next command comes after it, the clock stays", []step{
			{wall: 0, after: 24 * time.Hour, want: 24 * time.Hour, same: true},
			{wall: time.Second, want: time.Second},
		}},
		{"an entity stamped a minute ahead moves the clock", []step{
			{wall: 0, after: time.Minute, want: time.Minute, same: true},
			{wall: time.Second, want: time.Minute, same: true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wall := t0
			c := NewClock(func() time.Time { return wall }, 0)
			var prev HLC
			for i, st := range tc.steps {
				wall = t0.Add(st.wall)
				if st.observe != 0 {
					c.Observe(MakeHLC(ms(st.observe), 0))
					continue
				}
				var after HLC
				if st.after != 0 {
					after = MakeHLC(ms(st.after), 0)
				}
				h := c.NextAfter(after)
				if h.Millis() != ms(st.want) {
					t.Fatalf("step %d: reading at %v, want %v", i, h.Time().Sub(t0), st.want)
				}
				if after != 0 && h <= after {
					t.Fatalf("step %d: %v not after the entity's %v", i, h, after)
				}
				if st.same && h&0xffff == 0 {
					t.Fatalf("step %d: %v: want the logical counter moved", i, h)
				}
				if prev != 0 && h.Millis() >= prev.Millis() && h <= prev {
					t.Fatalf("step %d: %v not after %v", i, h, prev)
				}
				prev = h
			}
		})
	}
}

// A PC whose stored readings came from a clock days ahead starts again
// from its wall clock.
func TestClockFloorFromAWrongClock(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, vnZone)
	c := NewClock(func() time.Time { return now }, MakeHLC(now.AddDate(1, 0, 0).UnixMilli(), 0))
	if h := c.Next(); h.Millis() != now.UnixMilli() {
		t.Fatalf("reading %v, want the wall clock %v", h.Time(), now)
	}
	c = NewClock(func() time.Time { return now }, MakeHLC(now.Add(time.Minute).UnixMilli(), 5))
	if h := c.Next(); h != MakeHLC(now.Add(time.Minute).UnixMilli(), 6) {
		t.Fatalf("reading %v, want just after the floor a minute ahead", h)
	}
}

// FuzzDecodeCommand: decoding never panics, and what decodes re-encodes to
// bytes that decode to the same command (the log's bytes are canonical).
func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"dossier.act","v":1,"actor":"a","node":"n","at":123,"body":{"dossier_id":"d","action":"forward"}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"dossier.receive","v":1,"actor":"a","node":"n","at":9,"body":{"dossier_id":"d","procedure":{"code":"1"},"received_at":"2026-01-01T00:00:00Z"}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"user.create","v":1,"node":"n","at":1,"body":{"username":"x","roles":["admin"]}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"slot.lease","v":1,"node":"n","at":1,"body":{"slot":3,"node":"n"}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"audit.record","v":1,"actor":"admin","node":"n","at":5,"body":{"event":"signin_failed","username":"x","addr":"10.0.0.2"}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"user.update","v":1,"node":"n","at":2,"body":{"username":"x","disabled":true,"end_sessions":true}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"dossier.act","v":1,"actor":"a","node":"n","at":7,"body":{"dossier_id":"d","action":"reassign","holder":"b"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := DecodeCommand(raw)
		if err != nil {
			return
		}
		body, berr := c.Decode()
		enc, err := c.Encode()
		if err != nil {
			t.Fatalf("encode a decoded command: %v", err)
		}
		c2, err := DecodeCommand(enc)
		if err != nil {
			t.Fatalf("re-decode %s: %v", enc, err)
		}
		if c2.ID != c.ID || c2.Kind != c.Kind || c2.At != c.At || c2.Node != c.Node {
			t.Fatalf("round trip changed the envelope")
		}
		if berr == nil && body.Entity() == "" {
			t.Fatalf("a decoded body has no entity")
		}
	})
}
