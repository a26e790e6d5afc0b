// Package e2e holds the end-to-end tests of the web UI and the desktop
// window. They need the build tag e2e (`make test-ui`, `make bench-ui`):
// they build the real xaso binary from the tree, start `xaso serve` on
// loopback with a fresh data folder, and drive Debian's headless chromium
// over the DevTools protocol; the desktop smoke test opens the real Wails
// window under Xvfb. Screenshots go to $ARTIFACTS (default
// build/artifacts/ui).
package e2e
