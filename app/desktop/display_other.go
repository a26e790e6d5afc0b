//go:build desktop && !linux

package desktop

func hasDisplay() error { return nil }
