package hub

import "time"

// SignInForTest opens an IT session for benchmarks without a password hash.
func (h *Hub) SignInForTest(user string) (string, error) {
	if err := h.st.PutUser(User{Username: user, Roles: []string{RoleIT}}); err != nil {
		return "", err
	}
	token := "bench-" + user + "-token"
	return token, h.st.PutSession(hashText(token), Session{Username: user, Expires: h.cfg.Now().Add(time.Hour)})
}

// ImportRunsForTest is how many times the hub looked for tokens `xaso hub
// enrol` wrote.
func (h *Hub) ImportRunsForTest() int64 { return h.importRuns.Load() }
