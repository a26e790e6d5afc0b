// Package powercut mounts a folder through FUSE as a disk that loses, at a
// power cut, every write that was not synced: writes to a file are kept in
// memory, page by page, until fsync or fdatasync writes them to the folder
// underneath; PowerOff drops what is in memory and fails every operation
// after it. What the folder holds afterwards is what a real disk would have
// kept. Directory changes (create, mkdir, rename, unlink, rmdir) are kept
// until the directory is synced, and undone at the cut (dirops.go).
//
// It is for tests: it needs root (it mounts with mount(2)) and /dev/fuse.
package powercut

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

const pageSize = 4096

// Disk is a mounted lossy view of a folder.
type Disk struct {
	Dir     string // the mount point: write here
	Backing string // the folder underneath: what survives
	srv     *fuse.Server
	off     atomic.Bool

	dmu    sync.Mutex // guards what follows, and orders directory changes with PowerOff
	ops    []dirOp    // directory changes not yet synced, oldest first
	trash  string     // beside Backing: what unsynced changes removed
	trashN int
}

// Mount mounts backing at dir.
func Mount(backing, dir string) (*Disk, error) {
	d := &Disk{Dir: dir, Backing: backing}
	d.trash = filepath.Join(filepath.Dir(filepath.Clean(backing)), "."+filepath.Base(backing)+".powercut-trash")
	if err := os.MkdirAll(d.trash, 0o700); err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, err
	}
	root := &fs.LoopbackRoot{Path: backing, Dev: uint64(st.Dev)}
	root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, disk: d}
	}
	root.RootNode = root.NewNode(root, nil, "", &st)
	zero := time.Duration(0)
	srv, err := fs.Mount(dir, root.RootNode, &fs.Options{
		AttrTimeout: &zero, EntryTimeout: &zero, NegativeTimeout: &zero,
		MountOptions: fuse.MountOptions{DirectMountStrict: true, FsName: "powercut", Name: "powercut", MaxBackground: 64},
	})
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	d.srv = srv
	return d, nil
}

// PowerOff drops every unsynced write and undoes every directory change
// not synced; every operation fails from now on.
func (d *Disk) PowerOff() error {
	d.dmu.Lock()
	defer d.dmu.Unlock()
	d.off.Store(true)
	return d.undoAll()
}

// Unmount unmounts the disk (after PowerOff, once its users are gone).
// Without a PowerOff first, every directory change stays, as after a clean
// shutdown.
func (d *Disk) Unmount() error {
	err := d.srv.Unmount()
	if err != nil {
		err = syscall.Unmount(d.Dir, syscall.MNT_DETACH)
	}
	d.dmu.Lock()
	d.ops = nil
	d.dmu.Unlock()
	os.RemoveAll(d.trash)
	return err
}

// node is a loopback node whose files keep their unsynced pages in memory.
type node struct {
	fs.LoopbackNode
	disk *Disk

	mu    sync.Mutex
	dirty map[int64][]byte // page index → content not yet synced
	size  int64            // the file's size as its users see it (valid when dirty != nil)
	floor int64            // below this, pages not dirty read from the folder; above, zeros
}

var (
	_ fs.NodeOpener    = (*node)(nil)
	_ fs.NodeCreater   = (*node)(nil)
	_ fs.NodeGetattrer = (*node)(nil)
	_ fs.NodeSetattrer = (*node)(nil)
)

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if n.disk.off.Load() {
		return nil, 0, syscall.EIO
	}
	fh, fl, errno := n.LoopbackNode.Open(ctx, flags&^syscall.O_TRUNC)
	if errno != 0 {
		return nil, 0, errno
	}
	f := &file{FileHandle: fh, n: n}
	if flags&syscall.O_TRUNC != 0 {
		n.truncate(f, 0)
	}
	return f, fl, 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	d := n.disk
	d.dmu.Lock()
	defer d.dmu.Unlock()
	if d.off.Load() {
		return nil, nil, 0, syscall.EIO
	}
	path := n.backing(name)
	isNew := !exists(path)
	in, fh, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	if isNew {
		d.record(dirOp{dirs: []string{n.backing("")}, undo: func() error { return os.Remove(path) }})
	}
	child := in.Operations().(*node)
	return in, &file{FileHandle: fh, n: child}, fl, 0
}

func (n *node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if n.disk.off.Load() {
		return syscall.EIO
	}
	if ff, ok := f.(*file); ok {
		f = ff.FileHandle
	}
	if errno := n.LoopbackNode.Getattr(ctx, f, out); errno != 0 {
		return errno
	}
	n.mu.Lock()
	if n.dirty != nil {
		out.Size = uint64(n.size)
		out.Blocks = (out.Size + 511) / 512
	}
	n.mu.Unlock()
	return 0
}

func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if n.disk.off.Load() {
		return syscall.EIO
	}
	ff, _ := f.(*file)
	if sz, ok := in.GetSize(); ok {
		if ff == nil {
			return syscall.EINVAL // a truncate by name: not used by what is tested
		}
		n.truncate(ff, int64(sz))
		in.Valid &^= fuse.FATTR_SIZE
	}
	var inner fs.FileHandle
	if ff != nil {
		inner = ff.FileHandle
	}
	if errno := n.LoopbackNode.Setattr(ctx, inner, in, out); errno != 0 {
		return errno
	}
	return n.Getattr(ctx, f, out)
}

// load starts keeping the file in memory; n.mu is held.
func (n *node) load(f *file) syscall.Errno {
	if n.dirty != nil {
		return 0
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd(), &st); err != nil {
		return fs.ToErrno(err)
	}
	n.dirty, n.size, n.floor = map[int64][]byte{}, st.Size, st.Size
	return 0
}

func (n *node) truncate(f *file, size int64) syscall.Errno {
	n.mu.Lock()
	defer n.mu.Unlock()
	if errno := n.load(f); errno != 0 {
		return errno
	}
	for i, p := range n.dirty {
		switch start := i * pageSize; {
		case start >= size:
			delete(n.dirty, i)
		case start+pageSize > size:
			clear(p[size-start:])
		}
	}
	n.size = size
	n.floor = min(n.floor, size)
	return 0
}

// page returns page i for writing; n.mu is held.
func (n *node) page(f *file, i int64) ([]byte, syscall.Errno) {
	if p := n.dirty[i]; p != nil {
		return p, 0
	}
	p := make([]byte, pageSize)
	if start := i * pageSize; start < n.floor {
		if _, err := syscall.Pread(f.fd(), p[:min(pageSize, n.floor-start)], start); err != nil {
			return nil, fs.ToErrno(err)
		}
	}
	n.dirty[i] = p
	return p, 0
}

// file is an open file of a node.
type file struct {
	fs.FileHandle // the loopback file: its descriptor reaches the folder
	n             *node
}

func (f *file) fd() int {
	fd, _ := f.FileHandle.(fs.FilePassthroughFder).PassthroughFd()
	return fd
}

func (f *file) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n := f.n
	if n.disk.off.Load() {
		return nil, syscall.EIO
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dirty == nil {
		return f.FileHandle.(fs.FileReader).Read(ctx, dest, off)
	}
	if off >= n.size {
		return fuse.ReadResultData(nil), 0
	}
	dest = dest[:min(int64(len(dest)), n.size-off)]
	for done := 0; done < len(dest); {
		at := off + int64(done)
		i, in := at/pageSize, at%pageSize
		chunk := dest[done:min(len(dest), done+int(pageSize-in))]
		switch p := n.dirty[i]; {
		case p != nil:
			copy(chunk, p[in:])
		case at >= n.floor:
			clear(chunk)
		default:
			clear(chunk)
			if _, err := syscall.Pread(f.fd(), chunk[:min(int64(len(chunk)), n.floor-at)], at); err != nil {
				return nil, fs.ToErrno(err)
			}
		}
		done += len(chunk)
	}
	return fuse.ReadResultData(dest), 0
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n := f.n
	if n.disk.off.Load() {
		return 0, syscall.EIO
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if errno := n.load(f); errno != 0 {
		return 0, errno
	}
	for done := 0; done < len(data); {
		at := off + int64(done)
		i, in := at/pageSize, at%pageSize
		p, errno := n.page(f, i)
		if errno != 0 {
			return uint32(done), errno
		}
		done += copy(p[in:], data[done:])
	}
	n.size = max(n.size, off+int64(len(data)))
	return uint32(len(data)), 0
}

// Fsync writes the file's pages to the folder and syncs it (fsync and
// fdatasync alike).
func (f *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	n := f.n
	if n.disk.off.Load() {
		return syscall.EIO
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dirty != nil {
		fd := f.fd()
		if err := syscall.Ftruncate(fd, n.floor); err != nil {
			return fs.ToErrno(err)
		}
		for i, p := range n.dirty {
			start := i * pageSize
			if _, err := syscall.Pwrite(fd, p[:min(pageSize, n.size-start)], start); err != nil {
				return fs.ToErrno(err)
			}
		}
		if err := syscall.Ftruncate(fd, n.size); err != nil {
			return fs.ToErrno(err)
		}
		n.dirty = nil
	}
	return fs.ToErrno(syscall.Fsync(f.fd()))
}

// Flush and Release keep what is unsynced: closing a file syncs nothing.
func (f *file) Flush(ctx context.Context) syscall.Errno {
	if f.n.disk.off.Load() {
		return syscall.EIO
	}
	return f.FileHandle.(fs.FileFlusher).Flush(ctx)
}

func (f *file) Release(ctx context.Context) syscall.Errno {
	return f.FileHandle.(fs.FileReleaser).Release(ctx)
}

func (f *file) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	return f.n.Getattr(ctx, f, out)
}

func (f *file) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.n.Setattr(ctx, f, in, out)
}

func (f *file) Getlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	return f.FileHandle.(fs.FileGetlker).Getlk(ctx, owner, lk, flags, out)
}

func (f *file) Setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return f.FileHandle.(fs.FileSetlker).Setlk(ctx, owner, lk, flags)
}

func (f *file) Setlkw(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return f.FileHandle.(fs.FileSetlkwer).Setlkw(ctx, owner, lk, flags)
}

// Available reports whether this process can mount a disk: root and
// /dev/fuse.
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("mounting needs root")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("no /dev/fuse: %w", err)
	}
	return nil
}
