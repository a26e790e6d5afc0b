//go:build !windows

package desktop

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
)

// openFile hands path to the desktop's default application for it
// (xdg-open; open on macOS) and returns once it has been handed over: the
// viewer runs on, detached from this process.
func openFile(path string) error {
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	if _, err := exec.LookPath(opener); err != nil {
		return fmt.Errorf("%s not found (install xdg-utils): %w", opener, err)
	}
	// sh starts the opener in the background and exits at once, so nothing
	// here waits for the viewer to be closed.
	out, err := exec.Command("sh", "-c", `"$0" "$1" >/dev/null 2>&1 </dev/null &`, opener, path).CombinedOutput()
	if err != nil {
		return errors.Join(err, fmt.Errorf("%s", out))
	}
	return nil
}

// printFile sends the PDF at path to the default printer through CUPS (lp),
// which queues it and returns.
func printFile(path string) error {
	if _, err := exec.LookPath("lp"); err != nil {
		return fmt.Errorf("lp not found (install cups-client): %w", err)
	}
	if out, err := exec.Command("lp", "--", path).CombinedOutput(); err != nil {
		return errors.Join(fmt.Errorf("lp %s: %w", path, err), fmt.Errorf("%s", out))
	}
	return nil
}
