package store

import (
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// This file serves the LAN cluster (sync/cluster): the commands not yet
// replicated, and every command for Raft snapshots and merges. Because
// Apply is a union of commands, the set of commands is the whole state.

// storedCommand decodes the stored form of command id. It is the one place
// outside Apply that reads bCmds values, so a change of their encoding
// (compression) changes this function too.
func storedCommand(tx *bolt.Tx, id []byte) (app.Command, bool, error) {
	raw := tx.Bucket(bCmds).Get(id)
	if raw == nil {
		return app.Command{}, false, nil
	}
	raw, err := unpack(raw)
	if err != nil {
		return app.Command{}, false, fmt.Errorf("stored command %s: %w", id, err)
	}
	c, err := app.DecodeCommand(raw)
	if err != nil {
		return app.Command{}, false, fmt.Errorf("stored command %s: %w", id, err)
	}
	return c, true, nil
}

// Pending returns up to limit commands made on this node that are not yet
// replicated, in command ID order, leaving out (without decoding them) those
// whose ID skip reports — the ones already proposed. skip may be nil.
//
// The commands acknowledged and not yet folded are pending too: they are
// taken from the folder's queue, so that the cluster proposes them without
// waiting for the fold (a command folded meanwhile comes once).
func (s *Store) Pending(limit int, skip func(id string) bool) ([]app.Command, error) {
	var out []app.Command
	seen := map[string]bool{}
	s.queued(func(c app.Command, _ app.Body) {
		if !seen[c.ID] && (skip == nil || !skip(c.ID)) {
			seen[c.ID] = true
			out = append(out, c)
		}
	})
	queued := len(out)
	err := s.viewNow(func(tx *bolt.Tx) error {
		c := tx.Bucket(bPending).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit+queued; k, _ = c.Next() {
			if (skip != nil && skip(string(k))) || seen[string(k)] {
				continue
			}
			cmd, ok, err := storedCommand(tx, k)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, cmd)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b app.Command) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(len(out), limit)], err
}

// EachCommand calls fn with every applied command, in ID order, inside one
// read transaction (a consistent view). fn must not write to the store.
func (s *Store) EachCommand(fn func(app.Command) error) error {
	return s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCmds).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			cmd, ok, err := storedCommand(tx, k)
			if err != nil {
				return err
			}
			if ok {
				if err := fn(cmd); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// CommandCount is the number of commands applied (the size of the state,
// used to pick which of two clusters hands its commands to the other).
func (s *Store) CommandCount() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bCmds).Stats().KeyN
		return nil
	})
	return n, err
}
