package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"xaso/app"
)

// The write-ahead log is the durable truth of the commands made on this PC
// (Append): a desk's receipt is acknowledged once its record is in the log
// and the log is synced, one fdatasync for every request waiting (group
// commit). The folder applies the records to bbolt behind it, in larger
// transactions, and records in the same transaction the log position it has
// folded up to (kWAL); at start, what the log holds past that position is
// folded before anything is served.
//
// Files: Dir/wal/<first LSN, 20 digits>.log, oldest first. A record is
//
//	length(4, big-endian) crc32c(4) of the payload, then the payload:
//	LSN(8) flags(1: 1 = made here) count(uvarint) count × (length(uvarint) stored command)
//
// where a stored command is packCommand's form. A record cut short or with a
// wrong checksum at the end of the newest file is a write that was never
// acknowledged (the power went while it was written): it is dropped. The
// same anywhere else is damage.
const walSegmentMax = 8 << 20 // a new file once the current one is this long

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type walSeg struct {
	first uint64 // LSN of its first record
	path  string
}

// wal is the open log. The single writer appends; the folder removes files
// it has folded (mu guards segs).
type wal struct {
	dir string
	f   *os.File
	off int64
	mu  sync.Mutex
	seg []walSeg // oldest first; the last one is f
}

// walRecord is one record read back.
type walRecord struct {
	lsn    uint64
	local  bool
	stored [][]byte
}

func walDir(dir string) string { return filepath.Join(dir, "wal") }

// appendRecord encodes one request's commands as a record at lsn.
func appendRecord(buf []byte, lsn uint64, local bool, stored [][]byte) []byte {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
	buf = binary.BigEndian.AppendUint64(buf, lsn)
	flags := byte(0)
	if local {
		flags = 1
	}
	buf = append(buf, flags)
	buf = binary.AppendUvarint(buf, uint64(len(stored)))
	for _, s := range stored {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	payload := buf[start+8:]
	binary.BigEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

// parseRecords reads the records of one file. good is the length of the
// valid prefix; torn is true when bytes follow it that are not a record.
func parseRecords(b []byte) (recs []walRecord, good int, torn bool) {
	for len(b)-good >= 8 {
		n := int(binary.BigEndian.Uint32(b[good:]))
		sum := binary.BigEndian.Uint32(b[good+4:])
		if n < 10 || n > len(b)-good-8 {
			return recs, good, true
		}
		payload := b[good+8 : good+8+n]
		if crc32.Checksum(payload, castagnoli) != sum {
			return recs, good, true
		}
		r, err := decodeRecord(payload)
		if err != nil {
			return recs, good, true
		}
		recs = append(recs, r)
		good += 8 + n
	}
	return recs, good, len(b) > good
}

func decodeRecord(p []byte) (walRecord, error) {
	r := walRecord{lsn: binary.BigEndian.Uint64(p), local: p[8]&1 == 1}
	p = p[9:]
	count, k := binary.Uvarint(p)
	if k <= 0 || count > uint64(len(p)) {
		return r, errors.New("bad count")
	}
	p = p[k:]
	for range count {
		l, k := binary.Uvarint(p)
		if k <= 0 || l > uint64(len(p)-k) {
			return r, errors.New("bad length")
		}
		r.stored = append(r.stored, p[k:k+int(l)])
		p = p[k+int(l):]
	}
	if len(p) != 0 {
		return r, errors.New("trailing bytes")
	}
	return r, nil
}

// request rebuilds the request a record holds.
func (r walRecord) request() (*request, error) {
	q := &request{lsn: r.lsn, local: r.local, stored: r.stored}
	for _, s := range r.stored {
		raw, err := unpack(s)
		if err != nil {
			return nil, fmt.Errorf("log record %d: %w", r.lsn, err)
		}
		c, err := app.DecodeCommand(raw)
		if err != nil {
			return nil, fmt.Errorf("log record %d: %w", r.lsn, err)
		}
		b, err := c.Decode()
		if err != nil && !errors.Is(err, app.ErrUnknownKind) {
			return nil, fmt.Errorf("log record %d: command %s: %w", r.lsn, c.ID, err)
		}
		entity := ""
		if b != nil {
			entity = b.Entity()
		}
		q.cmds = append(q.cmds, c)
		q.bodies = append(q.bodies, b)
		q.entities = append(q.entities, entity)
	}
	return q, nil
}

// readWAL lists the log's files and reads their records, oldest first.
func readWAL(dir string) ([]walSeg, []walRecord, error) {
	ents, err := os.ReadDir(walDir(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the write-ahead log: %w", err)
	}
	var segs []walSeg
	for _, e := range ents {
		name := e.Name()
		first, err := strconv.ParseUint(strings.TrimSuffix(name, ".log"), 10, 64)
		if !strings.HasSuffix(name, ".log") || err != nil {
			continue
		}
		segs = append(segs, walSeg{first: first, path: filepath.Join(walDir(dir), name)})
	}
	slices.SortFunc(segs, func(a, b walSeg) int { return cmpU64(a.first, b.first) })
	var all []walRecord
	for i, s := range segs {
		b, err := os.ReadFile(s.path)
		if err != nil {
			return nil, nil, fmt.Errorf("read the write-ahead log: %w", err)
		}
		recs, good, torn := parseRecords(b)
		if torn && i < len(segs)-1 {
			return nil, nil, fmt.Errorf("write-ahead log %s is damaged at byte %d", s.path, good)
		}
		if torn {
			// A write the power cut short, never acknowledged: cut it off
			// for good before a newer file exists, or after another cut the
			// file could come back with its torn tail but no longer last.
			if err := truncateSynced(s.path, int64(good)); err != nil {
				return nil, nil, fmt.Errorf("cut the torn end of the write-ahead log: %w", err)
			}
		}
		for _, r := range recs {
			if len(all) > 0 && r.lsn <= all[len(all)-1].lsn {
				return nil, nil, fmt.Errorf("write-ahead log %s: record %d out of order", s.path, r.lsn)
			}
			all = append(all, r)
		}
	}
	return segs, all, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// openWAL starts a new file whose first record will be next; the files
// before it stay until the folder has folded them.
func openWAL(dir string, old []walSeg, next uint64) (*wal, error) {
	w := &wal{dir: walDir(dir), seg: old}
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the write-ahead log: %w", err)
	}
	if err := w.rotate(next); err != nil {
		return nil, err
	}
	return w, nil
}

// rotate closes the current file and starts one whose first record is next.
func (w *wal) rotate(next uint64) error {
	path := filepath.Join(w.dir, fmt.Sprintf("%020d.log", next))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("start a write-ahead log file: %w", err)
	}
	if err := syncDir(w.dir); err != nil {
		f.Close()
		return fmt.Errorf("start a write-ahead log file: %w", err)
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.off = f, 0
	w.mu.Lock()
	if n := len(w.seg); n > 0 && w.seg[n-1].path == path {
		w.seg = w.seg[:n-1] // an empty file of the same name, reopened
	}
	w.seg = append(w.seg, walSeg{first: next, path: path})
	w.mu.Unlock()
	return nil
}

// write appends buf and syncs it: the records are durable when it returns
// nil. On an error the file is cut back to where it was.
func (w *wal) write(buf []byte, first uint64) error {
	if w.off >= walSegmentMax {
		if err := w.rotate(first); err != nil {
			return err
		}
	}
	_, err := w.f.WriteAt(buf, w.off)
	if err == nil {
		err = fdatasync(w.f)
	}
	if err != nil {
		// Cut back what may have reached the disk, durably: the next batch
		// reuses these record numbers, and an unacknowledged record must
		// not come back after a power cut.
		if terr := w.f.Truncate(w.off); terr != nil {
			return fmt.Errorf("write-ahead log: %w (and cutting it back: %v)", err, terr)
		}
		if serr := fdatasync(w.f); serr != nil {
			return fmt.Errorf("write-ahead log: %w (and syncing the cut: %v)", err, serr)
		}
		return fmt.Errorf("write-ahead log: %w", err)
	}
	w.off += int64(len(buf))
	return nil
}

// truncateSynced cuts the file at path to size and syncs it.
func truncateSynced(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	return fdatasync(f)
}

// folded removes the files whose every record is at or below lsn and is
// folded into a synced bbolt transaction. The current file stays.
func (w *wal) folded(lsn uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.seg) > 1 && w.seg[1].first <= lsn+1 {
		os.Remove(w.seg[0].path)
		w.seg = w.seg[1:]
	}
}

// close closes the current file; when everything is folded (a clean stop)
// every file is removed.
func (w *wal) close(all bool) error {
	err := w.f.Close()
	if all {
		w.mu.Lock()
		for _, s := range w.seg {
			os.Remove(s.path)
		}
		w.seg = nil
		w.mu.Unlock()
	}
	return err
}
