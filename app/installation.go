package app

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
)

// KindInstallation records the office's identity towards the provincial
// hub (docs/province.md): made once, when the office is enrolled, and
// replicated like every command, so whichever PC leads the office later
// carries on as the same installation without enrolling again. It goes up
// to the hub with the office's other commands and carries nothing secret.
const KindInstallation = "install.identity"

// KindInstallKey keeps the office's signing key: a random Ed25519 seed
// made once, before the office first contacts the hub, and replicated to
// every PC of the office (Raft, state snapshots), so a new leader signs
// with the same key. It never leaves the office: the uplink does not send
// it, the hub refuses it, and it is left out of the state hash (the hub's
// copy of a commune equals the office's without it). Its IDs start with
// InstallKeyPrefix, and only its commands' do.
const KindInstallKey = "install.key"

// KindUplinkSent records that the hub acknowledged commands of the office
// (the uplink's sent-marks): replicated inside the office like the key, so
// a new leader does not send again what the old one sent; office-only too.
const KindUplinkSent = "uplink.sent"

// ID prefixes of the office-only kinds: only their commands' IDs start so.
const (
	InstallKeyPrefix = "ikey."
	UplinkSentPrefix = "usent."
)

// HubIDPrefix starts the ID of every command the hub made (its down log):
// the hub holds them already, the office never sends them up.
const HubIDPrefix = "hub."

// officeOnlyKinds maps each office-only kind to its ID prefix.
var officeOnlyKinds = map[string]string{KindInstallKey: InstallKeyPrefix, KindUplinkSent: UplinkSentPrefix}

// OfficeOnly reports whether a command stays inside the office: it is not
// sent to the hub and not part of the state hash.
func OfficeOnly(c Command) bool { return OfficeOnlyID(c.ID) }

// OfficeOnlyID is OfficeOnly by the command's ID.
func OfficeOnlyID(id string) bool {
	return strings.HasPrefix(id, InstallKeyPrefix) || strings.HasPrefix(id, UplinkSentPrefix)
}

// checkOfficeOnly: an office-only kind has its prefix, and no other kind
// has one (the prefix is what keeps a command out of the uplink and the
// state hash).
func checkOfficeOnly(c Command) error {
	prefix, ok := officeOnlyKinds[c.Kind]
	if ok != OfficeOnlyID(c.ID) || (ok && !strings.HasPrefix(c.ID, prefix)) {
		return fmt.Errorf("command %s: the ID prefixes %q and %q belong to kinds %s and %s only",
			c.ID, InstallKeyPrefix, UplinkSentPrefix, KindInstallKey, KindUplinkSent)
	}
	return nil
}

// UplinkSent lists command IDs the hub acknowledged (KindUplinkSent).
type UplinkSent struct {
	IDs []string `json:"ids"`
}

// Entity implements Body.
func (b *UplinkSent) Entity() string { return "uplink_sent" }

func (b *UplinkSent) validate() error {
	if len(b.IDs) == 0 {
		return errors.New("uplink.sent needs command IDs")
	}
	return nil
}

// Installation is the office's identity towards the province: the
// installation the hub bound an enrolment token to, for a commune. The key
// that signs the office's requests is kept apart (InstallKey): the hub
// knows only its public part, given at enrolment.
type Installation struct {
	ID      string `json:"id"`      // the hub's installation ID
	Commune string `json:"commune"` // the commune it was enrolled for
	Hub     string `json:"hub,omitempty"`
	// LegacySeed is what earlier versions kept here: the key's seed, which
	// went to the hub with the command. Never written now; read only so that
	// their commands still decode. Such an office signs with nothing until
	// IT replaces it (docs/province.md).
	LegacySeed []byte `json:"seed,omitempty"`
}

// Entity implements Body.
func (b *Installation) Entity() string { return "install" }

func (b *Installation) validate() error {
	if b.ID == "" || b.Commune == "" {
		return errors.New("installation needs an id and a commune")
	}
	return nil
}

// Apply folds an identity command: the latest in entity order wins.
func (b *Installation) Apply(c Command, body Body) {
	if n, ok := body.(*Installation); ok {
		*b = *n
	}
}

// InstallKey is the office's signing key (KindInstallKey). A new key (IT
// revoked the old one, or replaced the installation after a PC was
// stolen) is a new command with the next Generation.
type InstallKey struct {
	Seed       []byte `json:"seed"` // Ed25519 seed (32 bytes), from crypto/rand
	Generation int    `json:"generation,omitempty"`
}

// Entity implements Body.
func (b *InstallKey) Entity() string { return "install_key" }

func (b *InstallKey) validate() error {
	if len(b.Seed) != ed25519.SeedSize {
		return errors.New("install key needs a 32-byte seed")
	}
	if b.Generation < 0 {
		return errors.New("install key generation must not be negative")
	}
	return nil
}

// Apply folds key commands: the highest generation wins (a key made to
// replace a revoked or stolen one); within a generation the first in
// entity order wins, so two PCs that each made a key while the office was
// not enrolled end with the same one, whatever order the commands reached
// them in.
func (b *InstallKey) Apply(c Command, body Body) {
	if n, ok := body.(*InstallKey); ok && (len(b.Seed) == 0 || n.Generation > b.Generation) {
		*b = *n
	}
}

// Key returns the signing key.
func (b InstallKey) Key() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(b.Seed) }

// FromHub reports whether the hub may send commands of kind down to communes.
func FromHub(kind string) bool {
	k, ok := LookupKind(kind)
	return ok && k.FromHub
}
