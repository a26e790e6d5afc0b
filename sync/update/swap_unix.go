//go:build !windows

package update

import (
	"os/exec"
	"syscall"
)

// ExecSwapper relaunches in place: the same process runs the new program
// (the PID a service manager watches stays).
type ExecSwapper struct{}

// Relaunch execs exe with args; it returns only on failure.
func (ExecSwapper) Relaunch(exe string, args, env []string) error {
	return syscall.Exec(exe, append([]string{exe}, args...), env)
}

// DefaultSwapper is exec on Linux.
func DefaultSwapper() Swapper { return ExecSwapper{} }

func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie (dead, not reaped by its parent) is not alive.
	raw, err := readStat(pid)
	return err != nil || !raw
}

func killProcess(pid int) { syscall.Kill(pid, syscall.SIGKILL) }
