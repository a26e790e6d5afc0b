//go:build windows

package update

import (
	"os"
	"os/exec"
)

// DefaultSwapper is the rename-then-restart of a running .exe on Windows.
func DefaultSwapper() Swapper { return SpawnSwapper{} }

func detach(cmd *exec.Cmd) {}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid) // opens the process: fails once it has ended
	if err != nil {
		return false
	}
	p.Release()
	return true
}

func killProcess(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
