package app

import (
	"errors"
	"strings"
	"testing"
)

// Every row's body names an entity of its target, and a kind not in the
// table decodes to ErrUnknownKind.
func TestKindTable(t *testing.T) {
	for kind, k := range kinds {
		e := k.Body().Entity()
		if e != string(k.Target) && !strings.HasPrefix(e, string(k.Target)+"/") {
			t.Errorf("%s: entity %q is not of target %q", kind, e, k.Target)
		}
	}
	c := Command{ID: "cmd-00000001", Kind: "hub.future", V: 1, Node: "n1", At: 1, Body: []byte(`{}`)}
	if _, err := c.Decode(); !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("unknown kind: %v", err)
	}
	if EntityID("slot/3") != "3" || EntityID("commune") != "commune" {
		t.Fatal("EntityID")
	}
}

// The hub may send down exactly the kinds marked FromHub: online dossiers and
// what the province publishes; never accounts, slots or a commune's own acts.
func TestKindsFromHub(t *testing.T) {
	want := map[string]bool{KindDossierSubmit: true, KindCatalogPublish: true, KindCalendarPublish: true}
	for kind, k := range kinds {
		if k.FromHub != want[kind] {
			t.Errorf("%s: FromHub = %v, want %v", kind, k.FromHub, want[kind])
		}
	}
}
