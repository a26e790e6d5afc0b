package update

import (
	"fmt"
	"os"
	"strings"
)

// readStat reports whether pid is a zombie (state Z in /proc/PID/stat).
func readStat(pid int) (zombie bool, err error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false, err
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false, fmt.Errorf("stat of %d", pid)
	}
	return s[i+2] == 'Z', nil
}
