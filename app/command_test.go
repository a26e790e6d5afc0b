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

func TestClockNeverGoesBack(t *testing.T) {
	wall := time.Date(2026, 3, 2, 8, 0, 0, 0, vnZone)
	c := NewClock(func() time.Time { return wall }, 0)
	a := c.Next()
	wall = wall.Add(-time.Hour) // someone set the PC clock back
	b := c.Next()
	if b <= a {
		t.Fatalf("clock went back: %v then %v", a, b)
	}
	c.Observe(MakeHLC(wall.Add(2*time.Hour).UnixMilli(), 0)) // a peer ahead of us
	if n := c.Next(); n.Millis() != wall.Add(2*time.Hour).UnixMilli() {
		t.Fatalf("clock did not move past a peer's reading: %v", n)
	}
}

// FuzzDecodeCommand: decoding never panics, and what decodes re-encodes to
// bytes that decode to the same command (the log's bytes are canonical).
func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"dossier.act","v":1,"actor":"a","node":"n","at":123,"body":{"dossier_id":"d","action":"forward"}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"dossier.receive","v":1,"actor":"a","node":"n","at":9,"body":{"dossier_id":"d","procedure":{"code":"1"},"received_at":"2026-01-01T00:00:00Z"}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"user.create","v":1,"node":"n","at":1,"body":{"username":"x","roles":["admin"]}}`))
	f.Add([]byte(`{"id":"0123456789abcdef","kind":"slot.lease","v":1,"node":"n","at":1,"body":{"slot":3,"node":"n"}}`))
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
