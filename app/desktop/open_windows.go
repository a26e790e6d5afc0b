//go:build windows

package desktop

import (
	"fmt"
	"os/exec"
)

// openFile hands path to the application Windows opens PDFs with (the
// shell's file protocol handler returns at once).
func openFile(path string) error {
	if out, err := exec.Command("rundll32", "url.dll,FileProtocolHandler", path).CombinedOutput(); err != nil {
		return fmt.Errorf("open %s: %w: %s", path, err, out)
	}
	return nil
}
