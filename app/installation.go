package app

import (
	"crypto/ed25519"
	"errors"
)

// KindInstallation records the office's identity towards the provincial
// hub (docs/province.md): made once, when the office is enrolled, and
// replicated like every command, so whichever PC leads the office later
// signs its batches with the same key without enrolling again.
const KindInstallation = "install.identity"

// Installation is the office's identity towards the province: the
// installation the hub bound an enrolment token to, and the Ed25519 key
// that signs every batch the office sends up. The key's seed travels in the
// command (inside the office over the LAN's mutual TLS, up to the hub over
// TLS): the hub holds every command of the office so that a lost office can
// be rebuilt from it, identical, and a rebuilt office carries on as the same
// installation. A restored backup can pose only as its own installation.
type Installation struct {
	ID      string `json:"id"`      // the hub's installation ID
	Commune string `json:"commune"` // the commune it was enrolled for
	Hub     string `json:"hub,omitempty"`
	Seed    []byte `json:"seed"` // Ed25519 seed (32 bytes)
}

// Entity implements Body.
func (b *Installation) Entity() string { return "install" }

func (b *Installation) validate() error {
	if b.ID == "" || b.Commune == "" || len(b.Seed) != ed25519.SeedSize {
		return errors.New("installation needs an id, a commune and a 32-byte seed")
	}
	return nil
}

// Apply folds an identity command: the latest in entity order wins (a key
// rotation is a new command).
func (b *Installation) Apply(c Command, body Body) {
	if n, ok := body.(*Installation); ok {
		*b = *n
	}
}

// Key returns the installation's signing key.
func (b Installation) Key() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(b.Seed) }

// FromHub reports whether the hub may send commands of kind down to communes.
func FromHub(kind string) bool {
	k, ok := LookupKind(kind)
	return ok && k.FromHub
}
