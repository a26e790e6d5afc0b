package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// A bbolt file with corrupted pages does not return errors: reading a bad
// page panics (an index out of range, "invalid page type") or faults (a
// SIGSEGV or SIGBUS on the memory map), and a fault kills the process. Every
// transaction therefore runs under guard, which turns a fault into a panic
// (debug.SetPanicOnFault) and the panic into a coded error, and marks the
// store damaged: from then on it refuses writes (a write on a damaged file
// can spread the damage, or destroy the command log a rebuild needs) and
// keeps answering the reads that still work. Any panic inside a transaction
// counts, a bug's too: writing on after one is the greater risk, and
// `xaso doctor` tells a sound file from a damaged one.

// condition is what the store knows about its own health.
type condition struct {
	damaged  atomic.Pointer[string] // why the store is damaged; nil while it is not
	diskFull atomic.Bool            // the last commit failed for want of space
	// foldStopped: why the folder refuses an acknowledged command (a bug);
	// nil while it folds (store/writer.go)
	foldStopped atomic.Pointer[string]

	mu       sync.Mutex
	sessions map[string]*app.Session // sign-ins kept in memory while the file is damaged (nil: revoked)
}

// Problem is the store's part of /health: "ok", "damaged", "fold_stopped"
// or "disk_full" (DESIGN §8.1). A full disk clears itself once space is
// back; a stopped fold once a version that folds the command starts.
func (s *Store) Problem() string {
	switch {
	case s.cond.damaged.Load() != nil:
		return "damaged"
	case s.cond.foldStopped.Load() != nil:
		return "fold_stopped"
	case s.cond.diskFull.Load():
		if free, ok := freeSpace(s.dir); ok && free >= diskRoom {
			s.cond.diskFull.Store(false)
			return "ok"
		}
		return "disk_full"
	}
	return "ok"
}

// diskRoom is the free space that counts as "space is back" after a full disk.
const diskRoom = 8 << 20

// Damage returns why the store is damaged, or "" when it is not.
func (s *Store) Damage() string {
	if p := s.cond.damaged.Load(); p != nil {
		return *p
	}
	return ""
}

func (s *Store) markDamaged(why string) {
	if s.cond.damaged.CompareAndSwap(nil, &why) {
		s.log.Error("data file damaged: writes refused until `xaso doctor` repairs it", "dir", s.dir, "why", why)
		// Remembered beside the file: a damaged page that the quick check at
		// start does not read must not pass for sound at the next start.
		note := "Tệp dữ liệu xaso.db bị hỏng (data file damaged): " + why +
			"\nTắt Xã Số rồi chạy (stop xaso, then run): xaso doctor --data " + s.dir + "\n"
		if err := os.WriteFile(damageNote(s.dir), []byte(note), 0o600); err != nil {
			s.log.Error("record the damage", "err", err)
		}
	}
}

// damageNote is the file that remembers a damage found while running; `xaso
// doctor` removes it once the file is sound or rebuilt.
func damageNote(dir string) string { return filepath.Join(dir, "xaso.db.damage.txt") }

// recordedDamage is what damageNote says, or "" when there is none.
func recordedDamage(dir string) string {
	b, err := os.ReadFile(damageNote(dir))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// ErrDamaged is the cause of the errors of a damaged store (errors.Is).
var ErrDamaged = errors.New("data file damaged")

// damagedError is the coded error of writes refused, and reads failed, on a
// damaged file.
func damagedError(dir string, cause error) *app.Error {
	return &app.Error{Code: app.EStoreDamaged, Err: errors.Join(ErrDamaged, cause),
		Message: "Tệp dữ liệu của máy này bị hỏng: chỉ xem được những gì còn đọc được, chưa ghi được gì mới. " +
			"Báo quản trị viên: tắt Xã Số rồi chạy `xaso doctor --data " + dir + "` để kiểm tra và dựng lại.",
		English: "the data file of this PC is damaged: what can be read is served, nothing new can be written. " +
			"Tell the administrator: stop xaso and run `xaso doctor --data " + dir + "` to check and rebuild it."}
}

// guard runs fn with faults turned into panics and panics into a damaged
// store. op names the work for the log.
func (s *Store) guard(op string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if p := recover(); p != nil {
			cause := fmt.Errorf("%s: %v", op, p)
			s.markDamaged(cause.Error())
			err = damagedError(s.dir, cause)
		}
	}()
	return fn()
}

// view is db.View under guard, once what was acknowledged is folded.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.caughtUp(false)
	return s.viewNow(fn)
}

// viewSetup is view for reads of the setup only (users, slots, the commune,
// published catalogs and calendars, registers: every kind but dossiers and
// the audit log, store.go submit): it waits
// only for the acknowledged commands that change them (store/writer.go).
func (s *Store) viewSetup(fn func(*bolt.Tx) error) error {
	s.caughtUp(true)
	return s.viewNow(fn)
}

// viewNow is view without waiting for the folder: for what belongs to this
// PC alone and no command changes (sign-ins), and for reads that add what
// waits to be folded themselves (store/writer.go queued).
func (s *Store) viewNow(fn func(*bolt.Tx) error) error {
	s.swap.RLock() // not while a state snapshot replaces the file (store/state.go)
	defer s.swap.RUnlock()
	return s.guard("read", func() error { return s.db.View(fn) })
}

// update is db.Update under guard, refused on a damaged file and coded on a
// full disk.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	if why := s.Damage(); why != "" {
		return damagedError(s.dir, errors.New(why))
	}
	s.swap.RLock()
	err := s.guard("write", func() error { return s.db.Update(fn) })
	s.swap.RUnlock()
	return s.noteWrite(err)
}

// noteWrite records what a commit's error says about the disk.
func (s *Store) noteWrite(err error) error {
	if err == nil {
		s.cond.diskFull.Store(false)
		return nil
	}
	if isDiskFull(err) {
		if !s.cond.diskFull.Swap(true) {
			s.log.Error("disk full: writes refused until space is freed", "dir", s.dir, "err", err)
		}
		return app.DiskFull(err)
	}
	return err
}

// keepSession keeps a sign-in (or its end, sess nil) in memory while the file
// is damaged, so that officials can still sign in and read; it reports
// whether it did. Such sessions end when xaso stops.
func (s *Store) keepSession(tokenHash string, sess *app.Session) bool {
	if s.Damage() == "" {
		return false
	}
	s.cond.mu.Lock()
	defer s.cond.mu.Unlock()
	if s.cond.sessions == nil {
		s.cond.sessions = map[string]*app.Session{}
	}
	if sess != nil {
		for k, old := range s.cond.sessions { // as PutSession: drop the expired ones
			if old != nil && old.Expires.Before(sess.Created) {
				delete(s.cond.sessions, k)
			}
		}
	}
	s.cond.sessions[tokenHash] = sess
	return true
}

// keptSession returns a session kept in memory; ok is false when none was
// (then the file has it, or nothing does). A nil session was ended.
func (s *Store) keptSession(tokenHash string) (sess *app.Session, ok bool) {
	s.cond.mu.Lock()
	defer s.cond.mu.Unlock()
	sess, ok = s.cond.sessions[tokenHash]
	return sess, ok
}

// noteFold records what a fold's error says: an acknowledged command the
// fold refuses, on a sound file with room, stops the folder.
func (s *Store) noteFold(err error) {
	if err == nil || isDiskFull(err) || s.Damage() != "" {
		s.cond.foldStopped.Store(nil)
		return
	}
	why := err.Error()
	s.cond.foldStopped.Store(&why)
}

// FoldStopped returns why the folder stopped, or "" while it folds.
func (s *Store) FoldStopped() string {
	if p := s.cond.foldStopped.Load(); p != nil {
		return *p
	}
	return ""
}

// foldStoppedError refuses a write while the folder is stopped: the
// command would be acknowledged and never folded.
func foldStoppedError(cause error) *app.Error {
	return &app.Error{Code: app.EUnavailable, Err: cause,
		Message: "Máy này tạm dừng ghi: một lệnh đã nhận không đưa được vào dữ liệu (lỗi phần mềm). Dữ liệu đã nhận vẫn được giữ. " +
			"Báo quản trị viên cập nhật Xã Số; trong lúc chờ, dùng máy khác trong văn phòng.",
		English: "this PC has stopped writing: a command it acknowledged cannot be applied (a software bug). What was acknowledged " +
			"is kept. Tell the administrator to update xaso; meanwhile use another PC of the office."}
}
