//go:build desktop

package desktop

import (
	"log/slog"
	"os"
)

// slogLogger adapts log/slog to Wails' logger interface.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Print(m string)   { s.l.Info(m, "src", "wails") }
func (s slogLogger) Trace(m string)   { s.l.Debug(m, "src", "wails") }
func (s slogLogger) Debug(m string)   { s.l.Debug(m, "src", "wails") }
func (s slogLogger) Info(m string)    { s.l.Info(m, "src", "wails") }
func (s slogLogger) Warning(m string) { s.l.Warn(m, "src", "wails") }
func (s slogLogger) Error(m string)   { s.l.Error(m, "src", "wails") }

// Fatal is Wails' "cannot go on" (for example no display): log and exit as
// Wails' own logger would.
func (s slogLogger) Fatal(m string) {
	s.l.Error(m, "src", "wails", "fatal", true)
	os.Exit(1)
}
