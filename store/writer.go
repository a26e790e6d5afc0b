package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// Two goroutines write. The writer takes every request waiting: the
// commands made here (Append) go to the write-ahead log in one write and one
// fdatasync and are acknowledged then; the commands of peers (Apply) need
// no log of ours (Raft and the province keep theirs) and go straight on.
// The folder applies both to bbolt in order, many requests in one
// transaction, and answers Apply after that commit. Every read waits until
// what was acknowledged before it is folded (caughtUp), so a desk reads what
// it wrote.
const (
	foldMax     = 4096                   // most commands in one bbolt transaction
	foldBacklog = 4 * foldMax            // the writer waits while this many wait for the folder
	foldDelay   = 200 * time.Millisecond // Appends wait this long for company, unless a read or an Apply needs them
	foldRetry   = 200 * time.Millisecond // a refused fold (disk full) is tried again after this
	reserveSize = 2 << 20                // space kept aside so that what was acknowledged can be folded
	// groupWait bounds how long the writer waits for the company it
	// expects before it syncs the log; groupMemory is how many batches it
	// remembers to expect company from.
	groupWait   = 3 * time.Millisecond
	groupMemory = 16
)

// foldState is what the writer hands the folder, and how far it got. The
// zero value is a store with nothing to fold (the doctor's).
type foldState struct {
	queue   []*request // in order: Append's after their log record is synced
	queued  int        // commands in queue
	urgent  bool       // a reader or an Apply waits
	closing bool       // the writer has stopped: fold what is left and stop
	written uint64     // largest LSN acknowledged
	setup   uint64     // largest LSN acknowledged that changes users, slots or the commune
	folded  uint64     // largest LSN folded into a committed transaction
	err     error      // why folding stopped; nil while folding
	index   queueIndex // what the reads that do not wait need of queue (store/queued.go)
	wake    chan struct{}
	kick    chan struct{}
}

// broadcast wakes whoever waits on the fold state; s.mu is held.
func (s *Store) broadcast() {
	if s.fs.wake != nil {
		close(s.fs.wake)
	}
	s.fs.wake = make(chan struct{})
}

func (s *Store) kickFolder() {
	select {
	case s.fs.kick <- struct{}{}:
	default:
	}
}

// caughtUp waits until every command acknowledged so far is folded, unless
// folding has stopped (then what is folded is served). A read of users,
// slots and the commune (every request checks its user) waits only for the
// commands that change them: the desks' receipts fold in larger batches.
func (s *Store) caughtUp(setupOnly bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	target := s.fs.written
	if setupOnly {
		target = s.fs.setup
	}
	for s.fs.folded < target && s.fs.err == nil && s.fs.kick != nil {
		if !s.fs.urgent {
			s.fs.urgent = true
			s.kickFolder()
		}
		wake := s.fs.wake
		s.mu.Unlock()
		<-wake
		s.mu.Lock()
	}
}

// run is the single writer.
func (s *Store) run() {
	defer func() {
		s.mu.Lock()
		s.fs.closing = true
		s.mu.Unlock()
		s.kickFolder()
	}()
	var recent [groupMemory]int // requests in the last batches
	last := 0
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	for {
		var first *request
		select {
		case first = <-s.reqs:
		case <-s.quit:
			for {
				select {
				case r := <-s.reqs:
					s.write([]*request{r})
				default:
					return
				}
			}
		}
		batch, n := []*request{first}, len(first.cmds)
	fill:
		for n < s.max {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				n += len(r.cmds)
			default:
				break fill
			}
		}
		// The load says how much company to expect: as many requests as
		// the largest of the last batches (the desks writing now, each
		// waiting for its answer before it sends the next). Waiting for
		// them, at most groupWait, makes one fdatasync answer them all; a
		// lone desk (every recent batch held one request) never waits.
		expect := slices.Max(recent[:])
		if len(batch) < expect && n < s.max {
			wait.Reset(groupWait)
		more:
			for n < s.max && len(batch) < expect {
				select {
				case r := <-s.reqs:
					batch = append(batch, r)
					n += len(r.cmds)
				case <-wait.C:
					break more
				case <-s.quit:
					wait.Stop()
					break more
				}
			}
		}
		recent[last%groupMemory] = len(batch)
		last++
		s.write(batch)
	}
}

// write logs the batch's Appends, acknowledges them, and queues the whole
// batch for the folder.
func (s *Store) write(batch []*request) {
	if why := s.Damage(); why != "" {
		for _, r := range batch {
			r.done <- damagedError(s.dir, errors.New(why))
		}
		return
	}
	s.mu.Lock()
	for s.fs.queued > foldBacklog && s.fs.err == nil {
		wake := s.fs.wake
		s.mu.Unlock()
		<-wake
		s.mu.Lock()
	}
	stuck, lsn := s.fs.err, s.lsn
	s.mu.Unlock()
	var buf []byte
	var logged []*request
	setup := uint64(0)
	for _, r := range batch {
		if r.local {
			lsn++
			if r.setup {
				setup = lsn
			}
			r.lsn = lsn
			buf = appendRecord(buf, lsn, true, r.stored)
			logged = append(logged, r)
		}
	}
	var err error
	switch {
	case len(logged) == 0:
	case stuck != nil && !isDiskFull(stuck):
		err = foldStoppedError(stuck) // nothing more is taken until the refused command folds
	case stuck != nil && s.Problem() != "ok":
		err = stuck // the folder cannot take more: refuse, as the commit would
	case s.cond.diskFull.Load() && s.Problem() != "ok":
		err = app.DiskFull(errors.New("write-ahead log: the disk-full reserve is in use")) // refuse until space is back
	default:
		err = s.wal.write(buf, logged[0].lsn)
	}
	if err != nil {
		err = s.noteWrite(err)
		s.log.Error("write commands to the log", "err", err, "count", len(logged))
		for _, r := range logged {
			r.done <- err
		}
		keep := batch[:0]
		for _, r := range batch {
			if !r.local {
				keep = append(keep, r)
			}
		}
		batch = keep
	}
	s.mu.Lock()
	if err == nil && len(logged) > 0 {
		s.lsn = lsn
		s.fs.written = lsn
		s.fs.setup = max(s.fs.setup, setup)
	}
	for _, r := range batch {
		s.fs.queue = append(s.fs.queue, r)
		s.fs.queued += len(r.cmds)
		s.fs.index.track(r, true)
		if !r.local {
			s.fs.urgent = true
		}
	}
	s.mu.Unlock()
	s.kickFolder()
	if err == nil {
		for _, r := range logged {
			r.done <- nil
		}
	}
}

// foldLoop is the folder. A lone Append waits foldDelay for company; a
// reader waiting, an Apply, a full transaction's worth or the close fold at
// once; a refused fold is tried again after foldRetry.
func (s *Store) foldLoop() {
	defer close(s.foldDone)
	var since time.Time // when the oldest waiting request was seen
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		n, urgent, closing, stuck, queued := len(s.fs.queue), s.fs.urgent, s.fs.closing, s.fs.err, s.fs.queued
		if closing && (n == 0 || stuck != nil) {
			// Stopped while refused: the log keeps the Appends for the
			// next start; the Applies waiting are answered.
			for _, r := range s.fs.queue {
				if !r.local {
					r.done <- stuck
				}
			}
			s.fs.queue, s.fs.queued = nil, 0
			s.fs.index.reset()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if n == 0 {
			since = time.Time{}
			<-s.fs.kick
			continue
		}
		if since.IsZero() {
			since = s.now()
		}
		delay := foldDelay
		switch {
		case stuck != nil && !isDiskFull(stuck):
			// A command refused after it was acknowledged (a bug): folding
			// again cannot help until a fixed version starts, which folds
			// it from the log. An Apply queued behind it is answered.
			if !urgent {
				since = time.Time{}
				<-s.fs.kick
				continue
			}
			delay = 0
		case stuck != nil:
			delay = foldRetry
		case closing || urgent || queued >= foldMax:
			delay = 0
		}
		if wait := delay - s.now().Sub(since); wait > 0 {
			timer.Reset(wait)
			select {
			case <-s.fs.kick:
			case <-timer.C:
			}
			continue
		}
		since = time.Time{}
		s.foldNext()
	}
}

// foldNext folds the requests at the head of the queue, up to foldMax
// commands, in one transaction.
func (s *Store) foldNext() {
	s.mu.Lock()
	n, cmds := 0, 0
	for n < len(s.fs.queue) && (n == 0 || cmds+len(s.fs.queue[n].cmds) <= foldMax) {
		cmds += len(s.fs.queue[n].cmds)
		n++
	}
	batch := append([]*request(nil), s.fs.queue[:n]...)
	s.fs.urgent = false
	s.mu.Unlock()

	done, err := s.fold(batch)
	if err != nil && isDiskFull(err) && s.dropReserve() {
		// The reserve makes room for what was acknowledged; new writes
		// are refused (disk full) until space is back.
		more, rerr := s.fold(batch[done:])
		done, err = done+more, rerr
		s.keepReserve() // what the fold did not use is kept aside again
	}
	if err == nil && done > 0 && s.reserveGone {
		s.keepReserve()
		// A fold that fits does not end a full disk while the reserve is
		// not whole: Problem ends it once space is back.
		s.cond.diskFull.Store(s.reserveGone)
	}
	s.mu.Lock()
	for _, r := range batch[:done] {
		s.fs.queued -= len(r.cmds)
		s.fs.index.track(r, false)
		if r.lsn > s.fs.folded {
			s.fs.folded = r.lsn
		}
	}
	rest := s.fs.queue[done:]
	if err != nil {
		// The Applies behind a refused Append are answered with its error
		// (their senders keep the commands); the Appends wait in order.
		keep := make([]*request, 0, len(rest))
		for i, r := range rest {
			if i < len(batch)-done && !r.local {
				r.done <- err
				s.fs.queued -= len(r.cmds)
				continue
			}
			keep = append(keep, r)
		}
		rest = keep
	}
	s.fs.queue = rest
	if err != nil && s.Damage() != "" {
		// Nothing will be folded any more: answer every Apply waiting.
		for _, r := range s.fs.queue {
			if !r.local {
				r.done <- err
			}
		}
		s.fs.queue, s.fs.queued = nil, 0
		s.fs.index.reset()
	}
	s.fs.err = err
	s.noteFold(err)
	folded := s.fs.folded
	s.broadcast()
	s.mu.Unlock()
	if done > 0 {
		s.wal.folded(folded)
	}
}

// fold applies batch in one transaction and answers its Applies. When that
// fails it folds the requests one by one: an Apply refused is answered with
// its error and dropped (its sender keeps the command, as before); an
// Append refused cannot be dropped (it was acknowledged), so folding stops
// there, loudly, and is tried again. done is how many requests from the head
// of batch are finished.
func (s *Store) fold(batch []*request) (done int, err error) {
	err = s.foldTx(batch)
	if err == nil {
		for _, r := range batch {
			if !r.local {
				r.done <- nil
			}
		}
		return len(batch), nil
	}
	if len(batch) > 1 && s.Damage() == "" && !s.cond.diskFull.Load() {
		for i, r := range batch {
			if _, err := s.fold(batch[i : i+1]); err != nil && r.local {
				return i, err
			}
		}
		return len(batch), nil
	}
	s.log.Error("apply commands", "err", err, "count", len(batch[0].cmds))
	if len(batch) == 1 && !batch[0].local {
		batch[0].done <- err
		return 1, nil
	}
	for i, r := range batch { // a whole batch refused: the disk is full or the file damaged
		if r.local {
			return i, err
		}
		r.done <- err
		done = i + 1
	}
	return done, err
}

func (s *Store) foldTx(batch []*request) error {
	top := uint64(0)
	for _, r := range batch {
		top = max(top, r.lsn)
	}
	var stamp uint64
	err := s.update(func(tx *bolt.Tx) error {
		denser(tx)
		for _, r := range batch {
			if err := s.applyAll(tx, r); err != nil {
				return err
			}
		}
		stamp = publishedIn(tx)
		if top == 0 {
			return nil
		}
		return tx.Bucket(bMeta).Put(kWAL, u64(top))
	})
	if err == nil {
		s.published.Store(stamp) // before the fold is counted done: a reader that waited sees it
	}
	return err
}

// recoverWAL folds what the log holds past the position bbolt recorded, and
// opens the log for new records.
func (s *Store) recoverWAL() error {
	segs, recs, err := readWAL(s.dir)
	if err != nil {
		return err
	}
	var from uint64
	if err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kWAL); v != nil {
			from = be64(v)
		}
		return nil
	}); err != nil {
		return err
	}
	next := from
	var todo []*request
	for _, r := range recs {
		next = max(next, r.lsn)
		if r.lsn <= from {
			continue
		}
		q, err := r.request()
		if err != nil {
			return err
		}
		todo = append(todo, q)
	}
	folded := next
	if s.Damage() == "" {
		folded = from
		var stopped error
		for len(todo) > 0 && stopped == nil {
			n, cmds := 0, 0
			for n < len(todo) && (n == 0 || cmds+len(todo[n].cmds) <= foldMax) {
				cmds += len(todo[n].cmds)
				n++
			}
			done, err := s.fold(todo[:n])
			for _, r := range todo[:done] {
				folded = max(folded, r.lsn)
			}
			todo, stopped = todo[done:], err
		}
		if stopped != nil {
			// An acknowledged command the fold refuses (a bug, or a full
			// disk) does not stop the PC from starting: it serves what is
			// folded, refuses new writes and says so in /health; the log
			// keeps the command and every one after it for the version
			// that folds them.
			s.log.Error("write-ahead log: folding stopped at an acknowledged command", "err", stopped, "waiting", len(todo))
			for _, r := range todo {
				s.fs.queue = append(s.fs.queue, r)
				s.fs.queued += len(r.cmds)
				s.fs.index.track(r, true)
			}
			s.fs.err = stopped
			s.noteFold(stopped)
		} else {
			folded = next
		}
		if len(recs) > 0 {
			s.log.Info("write-ahead log folded", "records", len(recs), "from", from, "to", folded)
		}
	}
	s.lsn, s.fs.written, s.fs.setup, s.fs.folded = next, next, next, folded
	if s.wal, err = openWAL(s.dir, segs, next+1); err != nil {
		return err
	}
	if s.Damage() == "" {
		s.wal.folded(folded)
	}
	if _, err := os.Stat(s.reservePath()); err != nil {
		s.reserveGone = true
		s.keepReserve()
	}
	return nil
}

func be64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// The reserve is a file of reserveSize in the log's folder. A full disk
// refuses the fold of commands already acknowledged (their record is in the
// log, not yet in bbolt): the reserve is removed to make room for them, and
// made again once space is back (a part of it at once: what the fold did
// not use is not left to other writers).
func (s *Store) reservePath() string { return filepath.Join(walDir(s.dir), "reserve") }

func (s *Store) dropReserve() bool {
	if s.reserveGone {
		return false
	}
	s.reserveGone = true
	s.cond.diskFull.Store(true)
	s.log.Warn("disk full: the reserve is released to fold what was acknowledged", "dir", s.dir)
	return os.Remove(s.reservePath()) == nil
}

func (s *Store) keepReserve() {
	if !s.reserveGone {
		return
	}
	path := s.reservePath()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		_, err = f.Write(make([]byte, reserveSize))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return // what could be written stays aside; made whole later
	}
	s.reserveGone = false
}
