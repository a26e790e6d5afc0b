// Package doctor is `xaso doctor`: it checks a stopped node's data file and,
// when asked, rebuilds the state from the command log, in plain words for the
// commune's operator (Vietnamese first, English below).
package doctor

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"xaso/store"
)

const help = `xaso doctor --data THƯ_MỤC [--rebuild]

Kiểm tra tệp dữ liệu của máy này (xaso.db): đọc lại mọi lệnh đã lưu và mọi
trang của tệp (kiểm tra nhất quán của bbolt). Hãy tắt Xã Số trước khi chạy.

  --rebuild   dựng lại dữ liệu từ nhật ký lệnh khi nhật ký còn nguyên vẹn:
              tệp mới thay chỗ tệp cũ, tệp hỏng được giữ lại với tên
              xaso.db.damaged-NGÀY-GIỜ (không bao giờ bị xoá).

Nếu nhật ký lệnh cũng hỏng và máy thuộc mạng LAN của xã: đổi tên xaso.db và
thư mục raft (ví dụ xaso.db.hong, raft.cu), khởi động lại Xã Số với mã tham
gia; máy nhận lại toàn bộ dữ liệu của xã từ các máy khác, rồi quản trị viên
gỡ máy cũ trong hộp "Các máy của xã". Hoặc chép lại tệp từ bản sao lưu.

(English: checks the data file of a stopped node — every stored command and
bbolt's consistency check; --rebuild folds the command log into a fresh file
and keeps the damaged one aside. If the log is damaged too, a PC of the LAN
cluster gets the state back from its peers: move xaso.db and the raft folder
aside and start again with the join secret, then remove the old member.)

`

// ErrProblems is returned when the file has problems that were not repaired.
var ErrProblems = errors.New("the data file has problems")

// Run parses the flags of `xaso doctor` and runs it; now names the damaged
// file kept aside.
func Run(args []string, stdout io.Writer, defaultDir string, now func() time.Time) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprint(stdout, help)
		fs.PrintDefaults()
	}
	dir := fs.String("data", defaultDir, "data folder")
	rebuild := fs.Bool("rebuild", false, "rebuild the state from the command log (the damaged file is kept aside)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("doctor: unexpected argument %q", fs.Arg(0))
	}
	c, err := store.Check(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Tệp dữ liệu: %s\n", c.Path)
	if c.OK() {
		fmt.Fprintf(stdout, "Tốt: tệp không có lỗi; nhật ký có %d lệnh, đọc lại đủ.\n(OK: no problem found; %d commands in the log.)\n",
			c.Commands, c.Commands)
		if c.Cleared != "" {
			fmt.Fprintf(stdout, "Lỗi ghi nhận lúc chạy không còn thấy trong tệp; đã xoá ghi chú. (The damage noted while running is gone.)\n  %s\n", c.Cleared)
		}
		if *rebuild {
			fmt.Fprintln(stdout, "Không cần dựng lại. (Nothing to rebuild.)")
		}
		return nil
	}
	fmt.Fprintln(stdout, "Tệp bị hỏng. Những gì tìm thấy (what was found):")
	for _, p := range c.Problems {
		fmt.Fprintf(stdout, "  - %s\n", p)
	}
	if !c.LogOK {
		fmt.Fprintln(stdout, "Nhật ký lệnh cũng hỏng: không dựng lại được từ tệp này. Hãy dựng lại từ các máy khác trong mạng LAN "+
			"của xã (đổi tên xaso.db và thư mục raft rồi khởi động lại với mã tham gia) hoặc chép lại từ bản sao lưu.\n"+
			"(The command log is damaged too: rebuild from the LAN peers or restore a backup.)")
		return ErrProblems
	}
	if !*rebuild {
		fmt.Fprintf(stdout, "Nhật ký lệnh còn nguyên vẹn (%d lệnh): có thể dựng lại. Chạy: xaso doctor --data %s --rebuild\n"+
			"(The command log is intact: rebuild with --rebuild.)\n", c.Commands, *dir)
		return ErrProblems
	}
	r, err := store.Rebuild(*dir, now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã dựng lại từ %d lệnh. Tệp hỏng được giữ lại tại: %s\nMã trạng thái (state hash): %s\n"+
		"Có thể khởi động lại Xã Số.\n(Rebuilt from %d commands; the damaged file is kept aside. Start xaso again.)\n",
		r.Commands, r.Aside, r.StateHash, r.Commands)
	for _, n := range r.Notes {
		fmt.Fprintf(stdout, "  Lưu ý (note): %s\n", n)
	}
	return nil
}
