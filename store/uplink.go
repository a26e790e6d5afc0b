package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// This file serves the link to the provincial hub (sync/uplink) and the
// hub's own per-commune copy (sync/hub): which commands the hub has not
// acknowledged yet, the office's identity and key, the commands by ID for
// a rebuild. The index of unsent commands (bUnsent) is kept as commands are
// applied and derived from the commands alone: the uplink's sent-marks are
// office-only uplink.sent commands, replicated like every command, so every
// PC of the office holds the same index and a new leader sends only what
// the old one did not. A hub's copy of a commune keeps no index.

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
		return app.OfficeOnlyID(string(k))
	case bytes.Equal(name, bEntityCmds):
		return bytes.HasPrefix(k, installKeyEntity)
	case bytes.Equal(name, bConfig):
		return bytes.Equal(k, kInstallKey)
	}
	return false
}

var installKeyEntity = entityPrefix((&app.InstallKey{}).Entity())

// kReplaced (bMeta, local): the PCs of the office this PC was rebuilt to
// replace, whose number slots it may take over (app/node's slotGate).
var kReplaced = []byte("replaced")

// SetReplaced records the PCs of a lost office this PC replaces.
func (s *Store) SetReplaced(nodes []string) error {
	raw, err := json.Marshal(nodes)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kReplaced, raw) })
}

// Replaced returns the PCs this PC replaces (SetReplaced), if any.
func (s *Store) Replaced() ([]string, error) {
	var nodes []string
	err := s.view(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(bMeta).Get(kReplaced); raw != nil {
			return json.Unmarshal(raw, &nodes)
		}
		return nil
	})
	return nodes, err
}

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
// after after. It reads the index of unsent commands, not the whole log. A
// drain passes the last ID of the previous batch; the next drain starts
// again from "" and meets any command that arrived meanwhile with a smaller ID.
func (s *Store) Unsent(after string, limit int) ([]app.Command, int, error) {
	var out []app.Command
	total := 0
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bUnsent)
		if b == nil {
			return nil // a hub's copy
		}
		cur := b.Cursor()
		k, _ := cur.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, _ = cur.Next()
		}
		for ; k != nil; k, _ = cur.Next() {
			total++
			if len(out) < limit {
				c, ok, err := storedCommand(tx, k)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("unsent command %s is not in the log", k)
				}
				out = append(out, c)
			}
		}
		return nil
	})
	return out, total, err
}

// indexUnsent puts a newly applied command in the index of unsent ones,
// unless the hub made it or it stays in the office.
func indexUnsent(tx *bolt.Tx, id string) error {
	b := tx.Bucket(bUnsent)
	if b == nil || strings.HasPrefix(id, app.HubIDPrefix) || app.OfficeOnlyID(id) {
		return nil
	}
	return b.Put([]byte(id), nil)
}

// initUnsent builds the index of unsent commands on a store that has none
// (new, or written by an earlier version, whose per-PC sent-marks it
// keeps); a hub's copy has none.
func (s *Store) initUnsent(tx *bolt.Tx) error {
	old := tx.Bucket(bUplinkSentOld)
	if s.hubCopy {
		if tx.Bucket(bUnsent) != nil {
			if err := tx.DeleteBucket(bUnsent); err != nil {
				return err
			}
		}
	} else if tx.Bucket(bUnsent) == nil {
		if err := rebuildUnsent(tx, old); err != nil {
			return err
		}
	}
	if old != nil {
		return tx.DeleteBucket(bUplinkSentOld)
	}
	return nil
}

// markSent folds an uplink.sent: its IDs leave the index.
func markSent(tx *bolt.Tx, ids []string) error {
	b := tx.Bucket(bUnsent)
	if b == nil {
		return nil
	}
	for _, id := range ids {
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
	}
	return nil
}

// rebuildUnsent derives the index of unsent commands from the log: every
// command but the hub's and the office-only ones, less those the
// uplink.sent commands list. sentOld, when given, holds the sent-marks of
// an earlier version, kept too.
func rebuildUnsent(tx *bolt.Tx, sentOld *bolt.Bucket) error {
	if tx.Bucket(bUnsent) != nil {
		if err := tx.DeleteBucket(bUnsent); err != nil {
			return err
		}
	}
	b, err := tx.CreateBucket(bUnsent)
	if err != nil {
		return err
	}
	b.FillPercent = 0.95
	sent := map[string]bool{}
	c := tx.Bucket(bCmds).Cursor()
	p := []byte(app.UplinkSentPrefix)
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		cmd, _, err := storedCommand(tx, k)
		if err != nil {
			return err
		}
		body, err := cmd.Decode()
		if err != nil {
			return fmt.Errorf("rebuild the uplink's index: %w", err)
		}
		for _, id := range body.(*app.UplinkSent).IDs {
			sent[id] = true
		}
	}
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		id := string(k)
		if sent[id] || (sentOld != nil && sentOld.Get(k) != nil) || strings.HasPrefix(id, app.HubIDPrefix) || app.OfficeOnlyID(id) {
			continue
		}
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
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
