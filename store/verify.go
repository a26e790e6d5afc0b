package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// openBolt opens a bbolt file with faults turned into errors: a truncated
// file or damaged meta pages give an error, never a stack trace.
func openBolt(path string, timeout time.Duration, readOnly bool) (db *bolt.DB, err error) {
	if err := checkMeta(path); err != nil {
		return nil, err // before bbolt: a panic inside its Open would leave the file locked
	}
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("open %s: %v", path, p)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: readOnly, FreelistType: bolt.FreelistMapType})
}

// checkMeta reads bbolt's two meta pages (page 0 and page 1) and checks
// that the newer valid one describes a file as long as the one on disk: a
// file cut short by a bad copy or a full disk is named as such. A missing
// or empty file passes (bbolt creates it; Open refuses an empty one first).
// The layout is bbolt's file format 2, in the byte order of the PCs
// (little-endian): page header id(8) flags(2) count(2) overflow(4), then
// magic(4) version(4) page size(4) flags(4) root(8) sequence(8) freelist(8)
// high-water page(8) txid(8) checksum(8: FNV-1a 64 of the 56 bytes before it).
func checkMeta(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	meta := func(off int64) (pageSize, hwm, txid uint64, ok bool) {
		var b [16 + 64]byte
		if _, err := f.ReadAt(b[:], off); err != nil {
			return 0, 0, 0, false
		}
		m := b[16:]
		le := binary.LittleEndian
		h := fnv.New64a()
		h.Write(m[:56])
		if le.Uint32(m[0:]) != 0xED0CDAED || le.Uint32(m[4:]) != 2 || h.Sum64() != le.Uint64(m[56:]) {
			return 0, 0, 0, false
		}
		return uint64(le.Uint32(m[8:])), le.Uint64(m[40:]), le.Uint64(m[48:]), true
	}
	ps0, hwm0, tx0, ok0 := meta(0)
	ps := ps0
	if !ok0 {
		ps = uint64(os.Getpagesize()) // page 0 is damaged: look for page 1 where bbolt would
	}
	ps1, hwm1, tx1, ok1 := meta(int64(ps))
	switch {
	case ok1 && (!ok0 || tx1 > tx0):
		ps, hwm0 = ps1, hwm1
	case !ok0:
		return fmt.Errorf("both meta pages of %s are damaged (or it is not an xaso data file)", path)
	}
	if need := int64(hwm0 * ps); fi.Size() < need {
		return fmt.Errorf("%s is cut short: %d bytes, its pages need %d", path, fi.Size(), need)
	}
	return nil
}

// verifyTail is how many of the newest commands are decoded at start.
const verifyTail = 64

// verify checks quickly, at start, what can be checked without reading the
// whole file: bbolt checked the meta pages when it opened the file; here
// every declared bucket's root page and the pages down to its first and last
// keys are read, and the newest commands and those not yet replicated are
// decoded. The whole file is checked by `xaso doctor` (tx.Check).
func (s *Store) verify() error {
	return s.view(func(tx *bolt.Tx) error {
		for _, name := range append(append([][]byte{}, replicated...), local...) {
			b := tx.Bucket(name)
			if b == nil {
				continue // added by a newer version; init creates it
			}
			c := b.Cursor()
			c.First()
			c.Last()
		}
		if tx.Bucket(bCmds) == nil {
			return nil // a file created but never set up: init does it
		}
		c := tx.Bucket(bCmds).Cursor()
		n := 0
		for k, _ := c.Last(); k != nil && n < verifyTail; k, _ = c.Prev() {
			if err := verifyCommand(tx, k); err != nil {
				return err
			}
			n++
		}
		if p := tx.Bucket(bPending); p != nil {
			c, n = p.Cursor(), 0
			for k, _ := c.Last(); k != nil && n < verifyTail; k, _ = c.Prev() {
				if err := verifyCommand(tx, k); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
}

func verifyCommand(tx *bolt.Tx, id []byte) error {
	c, ok, err := storedCommand(tx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("command %q is missing from the log", id)
	}
	if c.ID != string(id) {
		return fmt.Errorf("command stored under %q says it is %q", id, c.ID)
	}
	if _, err := c.Decode(); err != nil && !errors.Is(err, app.ErrUnknownKind) {
		return fmt.Errorf("command %s: %w", id, err)
	}
	return nil
}

// storedNodeID reads the node's identity from a damaged file, if it can.
func (s *Store) storedNodeID() string {
	var id string
	_ = s.view(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bMeta); m != nil {
			id = string(m.Get(kNodeID))
		}
		return nil
	})
	return id
}

func lockedError(dir string, err error) *app.Error {
	return &app.Error{Code: app.EDataDirLocked, Err: err,
		Message: "Một chương trình Xã Số khác đang dùng thư mục dữ liệu này: " + dir,
		English: "another xaso is already using this data folder: " + dir}
}

// emptyFileError refuses a zero-length data file: bbolt would take it for a
// new database, and a PC whose file was emptied (a power cut while it was
// copied, a bad restore) would silently start as a new office.
func emptyFileError(path string) *app.Error {
	dir := filepath.Dir(path)
	return &app.Error{Code: app.EStoreDamaged, Err: fmt.Errorf("%s: %w: zero-length file", path, ErrDamaged),
		Message: "Tệp dữ liệu " + path + " rỗng (0 byte): có thể do mất điện lúc đang ghi hoặc chép tệp bị lỗi. " +
			"Xã Số không coi đây là thư mục mới để khỏi làm mất dữ liệu. Cách xử lý: chép lại tệp từ bản sao lưu; " +
			"hoặc nếu máy thuộc mạng LAN của xã, đổi tên tệp này (ví dụ thành xaso.db.rong) rồi khởi động lại với mã " +
			"tham gia để nhận dữ liệu từ máy khác; chỉ xoá tệp khi chắc chắn máy chưa từng có dữ liệu. " +
			"Xem thêm: xaso doctor --data " + dir,
		English: "the data file " + path + " is empty (0 bytes): a power cut while it was written or a bad copy. " +
			"xaso does not take it for a new data folder, so no data is lost by mistake. Restore the file from a " +
			"backup; or, on a PC of the commune's LAN, rename it (e.g. xaso.db.empty) and start again with the join " +
			"code to receive the data from the other PCs; delete it only if this PC never held data. " +
			"See: xaso doctor --data " + dir}
}

// unreadableError is an existing data file bbolt cannot open: its meta
// pages are damaged or it is cut short.
func unreadableError(path string, err error) *app.Error {
	dir := filepath.Dir(path)
	return &app.Error{Code: app.EStoreDamaged, Err: errors.Join(ErrDamaged, err),
		Message: "Không mở được tệp dữ liệu " + path + ": tệp bị hỏng hoặc bị cắt cụt. " +
			"Hãy chạy `xaso doctor --data " + dir + "` để kiểm tra; nếu máy thuộc mạng LAN của xã, có thể dựng lại " +
			"từ các máy khác, hoặc chép lại từ bản sao lưu.",
		English: "cannot open the data file " + path + ": it is damaged or cut short. Run `xaso doctor --data " + dir +
			"` to check it; a PC of the commune's LAN can be rebuilt from the other PCs, or restore a backup."}
}
