package store

import (
	"errors"
	"syscall"
	"unsafe"
)

// isDiskFull reports whether err says the disk is full
// (ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL).
func isDiskFull(err error) bool {
	var e syscall.Errno
	return errors.As(err, &e) && (e == 39 || e == 112)
}

// freeSpace is the space left for this user on the volume of dir.
func freeSpace(dir string) (int64, bool) {
	p, err := syscall.UTF16PtrFromString(dir)
	if err != nil {
		return 0, false
	}
	var free uint64
	proc := syscall.NewLazyDLL("kernel32.dll").NewProc("GetDiskFreeSpaceExW")
	if r, _, _ := proc.Call(uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&free)), 0, 0); r == 0 {
		return 0, false
	}
	return int64(free), true
}
