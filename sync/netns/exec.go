package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Command is exec.Command for node i: the program runs inside node i's
// namespace (through `ip netns exec`, which execs it, so cmd.Process is the
// program itself and signals reach it directly). The caller starts it and
// owns it; it is killed if the test binary dies.
func (l *Lab) Command(i int, name string, args ...string) *exec.Cmd {
	return l.Exec(i, exec.Command(name, args...))
}

// Exec rewrites an unstarted cmd so that it runs inside node i's namespace,
// keeping its Dir, Env, standard streams and SysProcAttr, and returns it.
// The process gets SIGKILL when the test binary dies (Pdeathsig).
func (l *Lab) Exec(i int, cmd *exec.Cmd) *exec.Cmd {
	if cmd.Process != nil {
		panic("netns: Exec on a started command")
	}
	ipPath, err := exec.LookPath("ip")
	if err != nil {
		ipPath = "ip"
	}
	path := cmd.Path
	if cmd.Err != nil && len(cmd.Args) > 0 { // not found in PATH by exec.Command
		path = cmd.Args[0]
	}
	args := append([]string{"ip", "netns", "exec", l.NS(i), path}, cmd.Args[1:]...)
	cmd.Path = ipPath
	cmd.Args = args
	cmd.Err = nil
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	return cmd
}

// Run runs a short command inside node i's namespace and returns its
// combined output.
func (l *Lab) Run(i int, name string, args ...string) ([]byte, error) {
	out, err := l.Command(i, name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("node %d: %s: %w: %s", i, name, err, bytes.TrimSpace(out))
	}
	return out, nil
}

// Proc is a process started with Lab.Start. Its standard output and error
// go to files in the lab's directory (Lab.Dir), which outlive the process so
// a test can read them after a crash; the lab logs their tails when the test
// fails and stops the process when the test ends.
type Proc struct {
	Cmd        *exec.Cmd
	Node       int
	StdoutPath string
	StderrPath string

	done chan struct{}
	err  error // set before done is closed
}

// Start starts program name with args inside node i's namespace. env is
// added to the test's own environment (later entries win). Output goes to
// <Dir>/n<i>-<base name>-<k>.out and .err.
func (l *Lab) Start(i int, name string, args []string, env []string) (*Proc, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errors.New("netns: Start on a closed lab")
	}
	l.seq++
	k := l.seq
	l.mu.Unlock()

	base := fmt.Sprintf("n%d-%s-%d", i, sanitize(filepath.Base(name), 24), k)
	p := &Proc{
		Node:       i,
		StdoutPath: filepath.Join(l.dir, base+".out"),
		StderrPath: filepath.Join(l.dir, base+".err"),
		done:       make(chan struct{}),
	}
	stdout, err := os.Create(p.StdoutPath)
	if err != nil {
		return nil, fmt.Errorf("netns: %w", err)
	}
	defer stdout.Close()
	stderr, err := os.Create(p.StderrPath)
	if err != nil {
		return nil, fmt.Errorf("netns: %w", err)
	}
	defer stderr.Close()

	cmd := l.Command(i, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	p.Cmd = cmd

	// Register before starting so Close never misses a running process.
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errors.New("netns: Start on a closed lab")
	}
	if err := cmd.Start(); err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("netns: starting %s on node %d: %w", name, i, err)
	}
	l.procs = append(l.procs, p)
	l.mu.Unlock()

	go func() { // owned by the process: ends when it exits
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits for the process to exit and returns its exit error.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Signal sends sig to the process (a no-op once it has exited).
func (p *Proc) Signal(sig os.Signal) error {
	if p.Exited() {
		return nil
	}
	err := p.Cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// Kill sends SIGKILL (a crash, a power cut) and waits for the exit.
func (p *Proc) Kill() error {
	_ = p.Signal(syscall.SIGKILL)
	return p.Wait()
}

// Stop asks the process to end with SIGTERM, sends SIGKILL if it has not
// exited after grace, and returns its exit error (nil for a clean exit).
func (p *Proc) Stop(grace time.Duration) error { return StopAll(grace, p)[0] }

// StopAll is Stop for several processes at once: SIGTERM to all, then one
// shared grace period, then SIGKILL for those still running. Each process
// gets one SIGTERM only, so one that has restored the default handler while
// shutting down is not killed by a second. It returns their exit errors in
// order.
func StopAll(grace time.Duration, procs ...*Proc) []error {
	for _, p := range procs {
		_ = p.Signal(syscall.SIGTERM)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	errs := make([]error, len(procs))
	for k, p := range procs {
		select {
		case <-p.done:
		case <-t.C:
			for _, q := range procs[k:] {
				_ = q.Signal(syscall.SIGKILL)
			}
			<-p.done
		}
		errs[k] = p.err
	}
	return errs
}

// Stdout returns what the process has written to standard output so far.
func (p *Proc) Stdout() []byte {
	b, _ := os.ReadFile(p.StdoutPath)
	return b
}

// Stderr returns what the process has written to standard error so far.
func (p *Proc) Stderr() []byte {
	b, _ := os.ReadFile(p.StderrPath)
	return b
}

func (p *Proc) String() string {
	return "node " + strconv.Itoa(p.Node) + " " + filepath.Base(p.StdoutPath[:len(p.StdoutPath)-len(".out")])
}

// DumpLogs hands logf the last lines of every process's output (for
// failed tests).
func (l *Lab) DumpLogs(logf func(format string, args ...any)) {
	l.mu.Lock()
	procs := append([]*Proc(nil), l.procs...)
	l.mu.Unlock()
	for _, p := range procs {
		for _, f := range []struct{ name, path string }{{"stdout", p.StdoutPath}, {"stderr", p.StderrPath}} {
			b, err := os.ReadFile(f.path)
			if err != nil || len(b) == 0 {
				continue
			}
			logf("netns: %s %s (last lines):\n%s", p, f.name, tail(b, 40))
		}
	}
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	b = bytes.TrimRight(b, "\n")
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			n--
			if n == 0 {
				return b[i+1:]
			}
		}
	}
	return b
}
