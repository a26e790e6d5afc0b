package update

import (
	"errors"
	"os"
	"os/exec"
	"time"
)

// ErrRelaunched is returned where the program was started again as a new
// process (Windows): the caller exits.
var ErrRelaunched = errors.New("update: the program was started again; this process ends")

// SpawnSwapper relaunches by starting a new process (Windows: a running
// .exe cannot be replaced in place, and there is no exec). The caller
// exits when Relaunch returns nil.
type SpawnSwapper struct{}

// Relaunch starts exe with args and lets it run on its own.
func (SpawnSwapper) Relaunch(exe string, args, env []string) error {
	_, err := Spawn(exe, args, env)
	return err
}

// Spawn starts exe with args, its output to this process's, and lets it
// run on its own; it returns its PID.
func Spawn(exe string, args, env []string) (int, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	go cmd.Wait() // reaped if it ends while this process still runs
	return pid, nil
}

// Watch is `xaso update-watch`: run by the previous program beside a
// trial, it waits until the record is settled. If the trial's process
// dies before it marks the install, or has not within its bound (plus a
// grace), it is killed, the previous program is put back and started.
func Watch(dir string, pid int, env []string, now func() time.Time) error {
	started := now()
	for {
		rec, ok, err := ReadRecord(dir)
		if err != nil || !ok {
			return err
		}
		switch rec.State {
		case RecordInstalled, RecordRolledBack:
			return nil
		}
		alive := processAlive(pid)
		late := now().Sub(started) > rec.Bound+10*time.Second
		if alive && !late {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if alive {
			killProcess(pid)
			time.Sleep(200 * time.Millisecond)
		}
		rec.Problem = "crashed_at_start"
		if late && alive {
			rec.Problem = "no_answer"
		}
		if FileSHA256(rec.Exe) == rec.SHA256 { // not put back yet
			if err := Restore(rec.Exe, rec.Old); err != nil {
				return err
			}
		}
		newPID, err := Spawn(rec.Exe, rec.Args, env)
		if err != nil {
			return err
		}
		rec.State, rec.PID = RecordRolledBack, newPID
		return WriteRecord(dir, rec)
	}
}

// Boot is called as a node starts. In a trial it counts the start; a
// second start of the same trial means the first never passed its check
// (it crashed, or the PC lost power): the previous program is put back
// and started instead (ErrRelaunched on Windows; Linux execs). trial
// reports a first start in trial: the node checks itself.
func Boot(dir string, sw Swapper, env []string) (trial bool, err error) {
	rec, ok, err := ReadRecord(dir)
	if err != nil || !ok || rec.State != RecordTrial {
		return false, err
	}
	rec.Boots++
	if rec.Boots == 1 {
		return true, WriteRecord(dir, rec)
	}
	if FileSHA256(rec.Exe) == rec.SHA256 {
		if err := Restore(rec.Exe, rec.Old); err != nil {
			return false, err
		}
	}
	rec.State, rec.Problem = RecordRolledBack, "crashed_at_start"
	if err := WriteRecord(dir, rec); err != nil {
		return false, err
	}
	if err := sw.Relaunch(rec.Exe, rec.Args, env); err != nil {
		return false, err
	}
	return false, ErrRelaunched
}
