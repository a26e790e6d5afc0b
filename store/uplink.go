package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// This file serves the link to the provincial hub (sync/uplink) and the
// hub's own per-commune copy (sync/hub): which commands the hub has not
// acknowledged yet, the office's identity, the commands by ID for a
// rebuild. bUplinkSent is local to this PC: after a leader change the new
// leader offers the hub the commands it never sent itself, and the hub,
// idempotent by ID, keeps each once.

var (
	kInstall    = []byte("install")
	kInstallKey = []byte("install_key") // app.InstallKey: the office's signing key
)

// officeOnly reports whether the pair k of bucket name is office-only
// state (app.OfficeOnly): the signing key's commands, their index entries
// and the folded key. It is replicated inside the office (commands, Raft,
// state snapshots) but left out of the state hash, as the hub never holds
// it: the hub's copy of a commune hashes as the office does.
func officeOnly(name, k []byte) bool {
	switch {
	case bytes.Equal(name, bCmds):
		return bytes.HasPrefix(k, []byte(app.InstallKeyPrefix))
	case bytes.Equal(name, bEntityCmds):
		return bytes.HasPrefix(k, installKeyEntity)
	case bytes.Equal(name, bConfig):
		return bytes.Equal(k, kInstallKey)
	}
	return false
}

var installKeyEntity = entityPrefix((&app.InstallKey{}).Entity())

// InstallKey returns the office's signing key, if one was made.
func (s *Store) InstallKey() (app.InstallKey, bool, error) {
	var k app.InstallKey
	var ok bool
	err := s.viewSetup(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx, bConfig, kInstallKey, &k)
		return err
	})
	return k, ok && len(k.Seed) > 0, err
}

// Installation returns the office's identity towards the province, if it
// was enrolled. A lease asks for it: it waits for setup commands only.
func (s *Store) Installation() (app.Installation, bool, error) {
	var in app.Installation
	var ok bool
	err := s.viewSetup(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx, bConfig, kInstall, &in)
		return err
	})
	return in, ok, err
}

// Unsent returns up to limit commands the hub has not acknowledged whose
// IDs sort after after, in command ID order, and how many there are in all
// after after. A drain passes the last ID of the previous batch, so it reads
// the log once; the next drain starts again from "" and meets any command
// that arrived meanwhile with a smaller ID.
func (s *Store) Unsent(after string, limit int) ([]app.Command, int, error) {
	var out []app.Command
	total := 0
	err := s.view(func(tx *bolt.Tx) error {
		cmds := tx.Bucket(bCmds).Cursor()
		sent := tx.Bucket(bUplinkSent).Cursor()
		sk, _ := sent.Seek([]byte(after))
		k, _ := cmds.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, _ = cmds.Next()
		}
		for ; k != nil; k, _ = cmds.Next() {
			for sk != nil && bytes.Compare(sk, k) < 0 {
				sk, _ = sent.Next()
			}
			if sk != nil && bytes.Equal(sk, k) {
				continue
			}
			if bytes.HasPrefix(k, []byte(app.InstallKeyPrefix)) {
				continue // the office's key never leaves it
			}
			total++
			if len(out) < limit {
				c, ok, err := storedCommand(tx, k)
				if err != nil {
					return err
				}
				if ok {
					out = append(out, c)
				}
			}
		}
		return nil
	})
	return out, total, err
}

// MarkSent records that the hub holds the commands with these IDs.
func (s *Store) MarkSent(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bUplinkSent)
		for _, id := range ids {
			if err := b.Put([]byte(id), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// LastCommandID returns the greatest command ID that starts with prefix, or
// "" when there is none. The hub's commands carry their place in the
// commune's down log in their IDs, so this is the replicated pull cursor.
func (s *Store) LastCommandID(prefix string) (string, error) {
	var last string
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCmds).Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			last = string(k)
		}
		return nil
	})
	return last, err
}

// HasCommands reports, for each ID, whether the command was applied.
func (s *Store) HasCommands(ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCmds)
		for i, id := range ids {
			out[i] = b.Get([]byte(id)) != nil
		}
		return nil
	})
	return out, err
}

// CommandsAfter returns up to limit commands whose IDs sort after after, in
// ID order: the whole log, page by page, for rebuilding an office.
func (s *Store) CommandsAfter(after string, limit int) ([]app.Command, error) {
	var out []app.Command
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCmds).Cursor()
		k, _ := c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, _ = c.Next()
		}
		for ; k != nil && len(out) < limit; k, _ = c.Next() {
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
	return out, err
}
