// Package argon2id hashes officials' passwords with argon2id, stored in the
// PHC string form ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so the parameters
// can be raised later without breaking old hashes.
package argon2id

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Hasher hashes with fixed parameters. The defaults suit a 2-core PC with
// 2 GB of RAM: 12 MiB, 3 passes, 1 lane — one of OWASP's equivalent argon2id
// settings, the one that keeps a sign-in from swelling the process by 19 MiB.
type Hasher struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// Default returns the production parameters.
func Default() Hasher { return Hasher{MemoryKiB: 12 * 1024, Time: 3, Threads: 1} }

const keyLen = 32

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password with a random salt.
func (h Hasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.Time, h.MemoryKiB, h.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.MemoryKiB, h.Time, h.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string, with the
// parameters stored in it. A malformed hash never matches.
func (h Hasher) Verify(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 10 || p == 0 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
