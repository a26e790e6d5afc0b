package discover

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Service is the DNS-SD service type every Xã Số node announces.
const Service = "_xaso._tcp"

// Domain is the mDNS domain.
const Domain = "local."

// TXT keys. Keys are compared case-insensitively (RFC 6763 §6.4); unknown
// keys are ignored so newer versions can add some.
const (
	keyCommune = "commune"
	keyNode    = "node"
	keyCluster = "cluster"
	keyVersion = "version"
)

// maxIDLen bounds node and cluster IDs so a TXT string ("cluster=" + ID)
// stays far below the 255-byte limit.
const maxIDLen = 64

// ErrConfig is wrapped by every configuration error of New.
var ErrConfig = errors.New("discover: invalid config")

// identity is what a node says about itself in its TXT record.
type identity struct {
	Commune, NodeID, ClusterID, Version string
}

// encodeTXT renders id as TXT strings.
func encodeTXT(id identity) []string {
	return []string{
		keyCommune + "=" + id.Commune,
		keyNode + "=" + id.NodeID,
		keyCluster + "=" + id.ClusterID,
		keyVersion + "=" + id.Version,
	}
}

// parseTXT reads a peer's TXT strings. The first occurrence of a key wins
// (RFC 6763 §6.4). commune and node are required and must be well formed;
// cluster and version may be empty (a node that has not joined a cluster
// yet announces "cluster=").
func parseTXT(txt []string) (identity, error) {
	var id identity
	seen := map[string]bool{}
	for _, s := range txt {
		k, v, _ := strings.Cut(s, "=")
		k = strings.ToLower(k)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case keyCommune:
			id.Commune = v
		case keyNode:
			id.NodeID = v
		case keyCluster:
			id.ClusterID = v
		case keyVersion:
			id.Version = v
		}
	}
	if !seen[keyCommune] || !seen[keyNode] {
		return identity{}, fmt.Errorf("TXT lacks %s= or %s=: %q", keyCommune, keyNode, txt)
	}
	if !validCommune(id.Commune) {
		return identity{}, fmt.Errorf("TXT commune %q is not a 5-digit code", id.Commune)
	}
	if err := validID("node", id.NodeID, false); err != nil {
		return identity{}, fmt.Errorf("TXT: %w", err)
	}
	if err := validID("cluster", id.ClusterID, true); err != nil {
		return identity{}, fmt.Errorf("TXT: %w", err)
	}
	if len(id.Version) > maxIDLen || strings.ContainsFunc(id.Version, notPrintable) {
		return identity{}, fmt.Errorf("TXT version %q is not printable or too long", id.Version)
	}
	return id, nil
}

// validCommune reports whether s is a 5-digit administrative-unit code.
func validCommune(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validID accepts 1..64 characters of [A-Za-z0-9._:-] (empty too when
// emptyOK).
func validID(what, s string, emptyOK bool) error {
	if s == "" {
		if emptyOK {
			return nil
		}
		return fmt.Errorf("%s ID is empty", what)
	}
	if len(s) > maxIDLen {
		return fmt.Errorf("%s ID %q is longer than %d characters", what, s, maxIDLen)
	}
	for _, r := range s {
		if !idRune(r) {
			return fmt.Errorf("%s ID %q has a character outside [A-Za-z0-9._:-]", what, s)
		}
	}
	return nil
}

func idRune(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
		r == '.' || r == '_' || r == ':' || r == '-'
}

func notPrintable(r rune) bool { return r < 0x20 || r == 0x7f }

// hostLabel is the per-node mDNS host name (one DNS label). Every network
// namespace, and sometimes every cloned office PC, shares one OS host name,
// and zeroconf matches A/AAAA records to services by host name, so it must
// be unique per node: it is derived from the node ID.
func hostLabel(nodeID string) string {
	ok := len(nodeID) <= 40
	for _, r := range nodeID {
		if !((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-') {
			ok = false
			break
		}
	}
	if ok {
		return "xaso-" + nodeID
	}
	sum := sha256.Sum256([]byte(nodeID))
	return "xaso-" + hex.EncodeToString(sum[:12])
}

// validInstance checks a configured instance name: one label (no dots, no
// backslashes, which zeroconf does not escape), at most 63 bytes.
func validInstance(s string) error {
	if s == "" || len(s) > 63 || strings.ContainsAny(s, ".\\") || strings.ContainsFunc(s, notPrintable) {
		return fmt.Errorf("instance name %q must be 1..63 bytes without dots or backslashes", s)
	}
	return nil
}
