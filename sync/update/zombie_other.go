//go:build !linux && !windows

package update

import "errors"

func readStat(int) (bool, error) { return false, errors.New("no /proc") }
