package powercut

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// A change of a directory (a create, mkdir, unlink, rmdir or rename) is
// made in the folder at once, so the program sees it, and written down with
// how to undo it. A sync of the directory (fsync on it, as a program does
// to make a new name durable) makes its changes durable; PowerOff undoes
// the others, newest first, as a disk that had not written its directory
// blocks would. A name removed (unlink, rmdir, a rename over it) is moved to
// a trash folder beside the folder until then, so that it can come back.
// Hard links and symbolic links are not tracked (nothing tested uses them).

// dirOp is one directory change not yet durable.
type dirOp struct {
	dirs   []string // the folders (underneath) whose sync makes it durable
	undo   func() error
	commit func() // once durable: forget what undo needed
}

// backing is the path underneath of the node's entry name ("" for itself).
func (n *node) backing(name string) string {
	return filepath.Join(n.disk.Backing, n.Path(nil), name)
}

// record notes a directory change; d.dmu is held.
func (d *Disk) record(op dirOp) { d.ops = append(d.ops, op) }

// toTrash moves path to the trash and returns where it went.
func (d *Disk) toTrash(path string) (string, error) {
	d.trashN++
	to := filepath.Join(d.trash, fmt.Sprint(d.trashN))
	return to, os.Rename(path, to)
}

// synced makes the changes of dir durable.
func (d *Disk) synced(dir string) {
	d.dmu.Lock()
	defer d.dmu.Unlock()
	d.ops = slices.DeleteFunc(d.ops, func(op dirOp) bool {
		if !slices.Contains(op.dirs, dir) {
			return false
		}
		if op.commit != nil {
			op.commit()
		}
		return true
	})
}

// undoAll undoes every change not synced, newest first; d.dmu is held.
func (d *Disk) undoAll() error {
	var errs []error
	for i := len(d.ops) - 1; i >= 0; i-- {
		if err := d.ops[i].undo(); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	d.ops = nil
	return errors.Join(errs...)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

var (
	_ fs.NodeMkdirer        = (*node)(nil)
	_ fs.NodeUnlinker       = (*node)(nil)
	_ fs.NodeRmdirer        = (*node)(nil)
	_ fs.NodeRenamer        = (*node)(nil)
	_ fs.NodeOpendirHandler = (*node)(nil)
	_ fs.FileFsyncdirer     = (*dirHandle)(nil)
	_ fs.FileReaddirenter   = (*dirHandle)(nil)
	_ fs.FileReleasedirer   = (*dirHandle)(nil)
	_ fs.FileSeekdirer      = (*dirHandle)(nil)
)

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	d := n.disk
	d.dmu.Lock()
	defer d.dmu.Unlock()
	if d.off.Load() {
		return nil, syscall.EIO
	}
	in, errno := n.LoopbackNode.Mkdir(ctx, name, mode, out)
	if errno == 0 {
		path := n.backing(name)
		d.record(dirOp{dirs: []string{n.backing("")}, undo: func() error { return os.RemoveAll(path) }})
	}
	return in, errno
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	return n.remove(name)
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	return n.remove(name)
}

// remove moves name to the trash; its directory's sync removes it for good.
func (n *node) remove(name string) syscall.Errno {
	d := n.disk
	d.dmu.Lock()
	defer d.dmu.Unlock()
	if d.off.Load() {
		return syscall.EIO
	}
	path := n.backing(name)
	if st, err := os.Lstat(path); err != nil {
		return fs.ToErrno(err)
	} else if st.IsDir() {
		if ents, err := os.ReadDir(path); err != nil || len(ents) > 0 {
			return syscall.ENOTEMPTY
		}
	}
	to, err := d.toTrash(path)
	if err != nil {
		return fs.ToErrno(err)
	}
	d.record(dirOp{dirs: []string{n.backing("")},
		undo:   func() error { return os.Rename(to, path) },
		commit: func() { os.RemoveAll(to) }})
	return 0
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	d := n.disk
	d.dmu.Lock()
	defer d.dmu.Unlock()
	if d.off.Load() {
		return syscall.EIO
	}
	np, ok := newParent.(*node)
	if !ok || flags != 0 {
		return syscall.EINVAL // RENAME_EXCHANGE, RENAME_NOREPLACE: not used by what is tested
	}
	from, to := n.backing(name), np.backing(newName)
	if !exists(from) {
		return syscall.ENOENT
	}
	replaced := ""
	if exists(to) {
		var err error
		if replaced, err = d.toTrash(to); err != nil {
			return fs.ToErrno(err)
		}
	}
	if err := os.Rename(from, to); err != nil {
		if replaced != "" {
			os.Rename(replaced, to)
		}
		return fs.ToErrno(err)
	}
	d.record(dirOp{dirs: []string{n.backing(""), np.backing("")},
		undo: func() error {
			err := os.Rename(to, from)
			if replaced != "" {
				err = errors.Join(err, os.Rename(replaced, to))
			}
			return err
		},
		commit: func() {
			if replaced != "" {
				os.RemoveAll(replaced)
			}
		}})
	return 0
}

func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if n.disk.off.Load() {
		return nil, 0, syscall.EIO
	}
	fh, fl, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return &dirHandle{inner: fh, n: n}, fl, 0
}

// dirHandle is an open directory: its sync makes its changes durable.
type dirHandle struct {
	inner fs.FileHandle
	n     *node
}

func (h *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	if h.n.disk.off.Load() {
		return syscall.EIO
	}
	h.n.disk.synced(h.n.backing(""))
	if f, ok := h.inner.(fs.FileFsyncdirer); ok {
		return f.Fsyncdir(ctx, flags)
	}
	return 0
}

func (h *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if h.n.disk.off.Load() {
		return nil, syscall.EIO
	}
	return h.inner.(fs.FileReaddirenter).Readdirent(ctx)
}

func (h *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if s, ok := h.inner.(fs.FileSeekdirer); ok {
		return s.Seekdir(ctx, off)
	}
	return syscall.ENOTSUP
}

func (h *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	if r, ok := h.inner.(fs.FileReleasedirer); ok {
		r.Releasedir(ctx, flags)
	}
}
