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

// printFile sends the PDF at path to the default printer with the print
// verb of the application Windows opens PDFs with. path is a file xaso
// named itself (safeName): no quote can be in it.
func printFile(path string) error {
	cmd := exec.Command("powershell", "-NoProfile", "-NonInteractive", "-Command",
		"Start-Process -FilePath '"+path+"' -Verb Print -WindowStyle Hidden")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("print %s: %w: %s", path, err, out)
	}
	return nil
}
