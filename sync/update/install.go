package update

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Installing a new program (docs/updates.md):
//
//  1. the verified bytes are staged beside the running program (EXE.new);
//  2. outside office hours, or on the admin's "install now", the record
//     (DATA/update/install.json) says "trial", the running program is
//     renamed EXE.old and EXE.new becomes EXE, a watchdog (the old
//     program, `xaso update-watch`) is started, and the node stops and
//     restarts into EXE (Linux: exec, same process; Windows: a new
//     process, as a running .exe can be renamed but not replaced);
//  3. the new program checks itself within a bound (store opens, API
//     answers, cluster rejoins) and marks the record "installed";
//  4. otherwise — it fails its check, crashes at start, or hangs — the
//     new program (or the watchdog, or the next start) puts EXE.old back
//     and starts it: "rolled_back", and that target is not tried again.

// Record states.
const (
	RecordTrial      = "trial"
	RecordInstalled  = "installed"
	RecordFailed     = "failed" // the new program failed its check: roll back at its stop
	RecordRolledBack = "rolled_back"
)

// Record is an install in progress or done.
type Record struct {
	State   string        `json:"state"`
	Target  string        `json:"target"`
	SHA256  string        `json:"sha256"`
	Version string        `json:"version"`
	From    string        `json:"from"` // the version it replaces
	Exe     string        `json:"exe"`
	Old     string        `json:"old"`
	Args    []string      `json:"args"`
	Boots   int           `json:"boots"`   // starts of the new program in trial
	Members int           `json:"members"` // the office's PCs before the restart (0: alone)
	Bound   time.Duration `json:"bound"`   // how long the new program has to pass its check, from its start
	Problem string        `json:"problem,omitempty"`
	PID     int           `json:"pid,omitempty"` // the program started by a rollback, when not the same process
}

const recordFile = "install.json"

// ReadRecord reads dir's install record; ok false when there is none.
func ReadRecord(dir string) (Record, bool, error) {
	raw, err := os.ReadFile(filepath.Join(dir, recordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	var r Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return Record{}, false, fmt.Errorf("%s: %w", recordFile, err)
	}
	return r, true, nil
}

// WriteRecord writes dir's install record durably.
func WriteRecord(dir string, r Record) error {
	raw, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return WriteFileSync(filepath.Join(dir, recordFile), raw)
}

// Swapper is what differs between operating systems: how the program is
// started again. Files are swapped the same way on Linux and Windows
// (rename the running program aside, rename the new one in).
type Swapper interface {
	// Relaunch runs exe with args in place of this process. Linux: exec,
	// it returns only on failure. Windows: it starts exe and returns nil;
	// the caller then exits.
	Relaunch(exe string, args, env []string) error
}

// Swap makes staged the program at exe, keeping the running one as old.
// Where the file system has hard links (Linux), the running program gets a
// second name first and the new one then replaces exe in one rename, so a
// power cut at any moment leaves a program at exe. Elsewhere (Windows: a
// running .exe cannot be replaced, only renamed) it is renamed aside first.
func Swap(exe, staged, old string) error {
	os.Remove(old) // an earlier install's previous program
	return replace(exe, staged, old)
}

// Restore puts old back at exe; the failed program is kept as exe.bad for
// provincial IT to look at.
func Restore(exe, old string) error {
	if _, err := os.Stat(old); err != nil {
		return fmt.Errorf("no previous program to roll back to: %w", err)
	}
	bad := exe + ".bad"
	os.Remove(bad)
	return replace(exe, old, bad)
}

// replace puts next at exe and keeps what was at exe as keep.
func replace(exe, next, keep string) error {
	if err := os.Link(exe, keep); err == nil {
		if err := os.Rename(next, exe); err != nil {
			os.Remove(keep)
			return fmt.Errorf("put the program in place: %w", err)
		}
		return syncDir(filepath.Dir(exe))
	}
	if err := os.Rename(exe, keep); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keep the running program: %w", err)
	}
	if err := os.Rename(next, exe); err != nil {
		if rerr := os.Rename(keep, exe); rerr != nil {
			return errors.Join(err, rerr)
		}
		return fmt.Errorf("put the program in place: %w", err)
	}
	return syncDir(filepath.Dir(exe))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	d.Sync() // not supported everywhere (Windows): the renames are done
	return nil
}

// Stage writes the verified bytes beside exe (EXE.new), executable.
func Stage(exe string, b []byte) (string, error) {
	staged := exe + ".new"
	if err := WriteFileSync(staged, b); err != nil {
		os.Remove(staged)
		return "", err
	}
	if err := os.Chmod(staged, 0o755); err != nil {
		return "", err
	}
	return staged, nil
}

// FileSHA256 is the hex SHA-256 of a file ("" when it cannot be read).
func FileSHA256(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
