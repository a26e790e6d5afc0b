//go:build desktop && linux

package desktop

import (
	"errors"
	"os"
)

// hasDisplay tells whether GTK can open a window; without one Wails panics
// in gtk_init, so Run reports it as an error instead.
func hasDisplay() error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("desktop: no graphical display (DISPLAY and WAYLAND_DISPLAY are unset); use `xaso serve` and a browser")
	}
	return nil
}
