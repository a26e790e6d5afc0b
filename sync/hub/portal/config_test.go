package portal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xaso/app"
	"xaso/sync/hub/portal"
)

// The settings file takes an inbound bearer of 32 characters or more only:
// a short one would be guessed over the network.
func TestSettingsInboundTokenLength(t *testing.T) {
	for _, c := range []struct {
		token string
		ok    bool
	}{{"", true}, {"ngan-qua", false}, {strings.Repeat("a", 31), false}, {strings.Repeat("k", 32), true}} {
		path := filepath.Join(t.TempDir(), "portal.json")
		raw := `{"session_url":"https://p/s","service_url":"https://p/x","username":"u","password":"p","madonvi":"000.00.31.H42","inbound_token":"` + c.token + `"}`
		if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := portal.LoadFile(path)
		if (err == nil) != c.ok || (!c.ok && app.ErrorCode(err) != app.EInvalid) {
			t.Errorf("token of %d characters: %v, want ok %v", len(c.token), err, c.ok)
		}
	}
}
