package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// applyCommand folds one command into the state inside tx. It is
// deterministic (no clock, no randomness) and idempotent (a command ID is
// applied once). It returns false when the command was already applied.
// A command whose body cannot be decoded is an error: the caller fails the
// commit rather than skip it.
// body is the decoded body, or nil for a kind from a newer version; stored
// is the command's stored form (packCommand), made outside the transaction.
func applyCommand(tx *bolt.Tx, c app.Command, body app.Body, stored []byte) (bool, error) {
	cmds := tx.Bucket(bCmds)
	id := []byte(c.ID)
	if cmds.Get(id) != nil {
		return false, nil
	}
	if err := cmds.Put(id, stored); err != nil {
		return false, err
	}
	if sent, ok := body.(*app.UplinkSent); ok { // the uplink's sent-marks: the index only (store/uplink.go)
		return true, markSent(tx, sent.IDs)
	}
	if err := indexUnsent(tx, c.ID); err != nil {
		return false, err
	}
	if body == nil {
		return true, tx.Bucket(bUnknown).Put(id, nil)
	}
	entity := body.Entity()
	ek := entityCmdKey(entity, c)
	ec := tx.Bucket(bEntityCmds)
	if err := ec.Put(ek, nil); err != nil {
		return false, err
	}
	// Is the command the latest of its entity? Then fold it on top of the
	// stored state; otherwise it arrived "in the past": re-fold the entity.
	cur := ec.Cursor()
	cur.Seek(ek)
	next, _ := cur.Next()
	last := next == nil || !bytes.HasPrefix(next, entityPrefix(entity))
	k, _ := app.LookupKind(c.Kind) // body != nil: the kind is known
	var err error
	switch id := app.EntityID(entity); k.Target {
	case app.TargetDossier:
		err = foldDossier(tx, id, entity, c, body, last)
	case app.TargetUser:
		err = foldSimple[app.User](tx, bUsers, []byte(id), entity, c, body, last)
	case app.TargetSlot:
		err = foldSimple[app.SlotLease](tx, bSlots, slotKey(id), entity, c, body, last)
	case app.TargetCommune:
		err = foldSimple[app.CommuneConfig](tx, bConfig, []byte("commune"), entity, c, body, last)
	case app.TargetAudit:
		err = applyAudit(tx, c, body.(*app.AuditBody))
	case app.TargetCatalog:
		err = foldPublished[app.CatalogVersion](tx, bCatalogs, []byte(id), entity, c, body, last)
	case app.TargetCalendar:
		err = foldPublished[app.CalendarYear](tx, bCalendars, []byte(id), entity, c, body, last)
	case app.TargetRegister: // civil-status registers (store/registers.go)
		err = foldSimple[app.Book](tx, bRegisters, []byte(id), entity, c, body, last)
	case app.TargetEntry:
		err = foldEntry(tx, id, entity, c, body, last)
	case app.TargetInstall: // the office's identity towards the province (store/uplink.go)
		err = foldSimple[app.Installation](tx, bConfig, kInstall, entity, c, body, last)
	case app.TargetInstallKey: // the office's signing key, never sent up nor hashed (store/uplink.go)
		err = foldSimple[app.InstallKey](tx, bConfig, kInstallKey, entity, c, body, last)
	case app.TargetPC: // the names of the office's PCs
		err = foldSimple[app.PCName](tx, bConfig, pcKey(id), entity, c, body, last)
	default:
		err = fmt.Errorf("command %s: no fold for target %q", c.ID, k.Target)
	}
	if err == nil {
		err = count(tx, c, body)
	}
	if err != nil {
		return false, fmt.Errorf("apply %s %s: %w", c.Kind, c.ID, err)
	}
	return true, nil
}

// count keeps the counters some bodies carry beside their entity's state:
// the daily numbers issued per slot and per PC, and the idempotency keys.
func count(tx *bolt.Tx, c app.Command, body app.Body) error {
	switch b := body.(type) {
	case *app.ReceiveBody:
		if b.Slot >= 0 {
			if err := raiseSeq(tx, b); err != nil {
				return err
			}
		}
		if b.Slot < 0 && b.Seq > 0 { // a provisional code: numbered per PC
			if err := raiseSeqKey(tx, provisionalKey(b.ReceivedAt.In(app.VN()).Format("060102"), c.Node), b.Seq); err != nil {
				return err
			}
		}
		if b.Idem != "" {
			return tx.Bucket(bIdem).Put([]byte(b.Idem), []byte(b.DossierID))
		}
	case *app.PageBody: // an old book's page scan: a file every PC should hold, like an attachment
		return tx.Bucket(bIdxBlobs).Put([]byte(b.SHA256+"\x00register/"+b.Register), nil)
	case *app.ActBody:
		if (b.Action == app.ActRecode || b.Action == app.ActReceive) && b.Seq > 0 && b.Code != "" {
			if _, day, _, perr := app.ParseCode(b.Code); perr == nil {
				return raiseSeqDay(tx, day, b.Slot, b.Seq)
			}
		}
	}
	return nil
}

// slotKey is a slot's key in bSlots: its number in two digits.
func slotKey(id string) []byte {
	if len(id) == 1 {
		return []byte("0" + id)
	}
	return []byte(id)
}

// folder is an entity state that folds commands.
type folder[T any] interface {
	*T
	Apply(app.Command, app.Body)
}

// fold returns the entity's new state: the stored state plus c when c is the
// latest command, else the fold of every command of the entity in order.
// Apply only appends to the state's slices and never changes their
// elements, so prev stays valid for the caller's index diff.
func fold[T any, P folder[T]](tx *bolt.Tx, prev T, entity string, c app.Command, body app.Body, last bool) (T, error) {
	if last {
		P(&prev).Apply(c, body)
		return prev, nil
	}
	var st T
	prefix := entityPrefix(entity)
	cur := tx.Bucket(bEntityCmds).Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		id := k[bytes.LastIndexByte(k, 0)+1:]
		oc, ok, err := storedCommand(tx, id)
		if err != nil {
			return st, fmt.Errorf("%s: %w", entity, err)
		}
		if !ok {
			return st, fmt.Errorf("%s: command %s indexed but missing", entity, id)
		}
		ob, err := oc.Decode()
		if err != nil {
			return st, fmt.Errorf("%s: stored command %s: %w", entity, id, err)
		}
		P(&st).Apply(oc, ob)
	}
	return st, nil
}

func foldSimple[T any, P folder[T]](tx *bolt.Tx, bucket, key []byte, entity string, c app.Command, body app.Body, last bool) error {
	var prev T
	if _, err := getJSON(tx, bucket, key, &prev); err != nil {
		return err
	}
	st, err := fold[T, P](tx, prev, entity, c, body, last)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(st) // small and read on every request (users): kept plain
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, raw)
}

func foldDossier(tx *bolt.Tx, id, entity string, c app.Command, body app.Body, last bool) error {
	key := []byte(id)
	var old app.Dossier
	if _, err := getJSON(tx, bDossiers, key, &old); err != nil {
		return err
	}
	d, err := fold[app.Dossier](tx, old, entity, c, body, last)
	if err != nil {
		return err
	}
	raw, err := marshalPacked(d)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bDossiers).Put(key, raw); err != nil {
		return err
	}
	if err := reindex(tx, id, &old, &d); err != nil {
		return err
	}
	return recount(tx, &old, &d)
}

// raiseSeq records the largest daily number applied for a slot, so that a
// restarted node continues above every number it acknowledged.
func raiseSeq(tx *bolt.Tx, b *app.ReceiveBody) error {
	return raiseSeqDay(tx, b.ReceivedAt.In(app.VN()).Format("060102"), b.Slot, b.Seq)
}

func raiseSeqDay(tx *bolt.Tx, day string, slot, n int) error {
	return raiseSeqKey(tx, seqKey(day, slot), n)
}

// seqKey and provisionalKey name a day's counter of a slot, and of a PC's
// provisional numbers, in bSeq.
func seqKey(day string, slot int) []byte     { return []byte(day + "/" + strconv.Itoa(slot)) }
func provisionalKey(day, node string) []byte { return []byte(day + "/p/" + node) }

func raiseSeqKey(tx *bolt.Tx, key []byte, n int) error {
	seq := tx.Bucket(bSeq)
	if v := seq.Get(key); v != nil && int(be32(v)) >= n {
		return nil
	}
	return seq.Put(key, u32(uint32(n)))
}

func markPending(tx *bolt.Tx, c app.Command, entity string) error {
	if err := tx.Bucket(bPending).Put([]byte(c.ID), []byte(entity)); err != nil {
		return err
	}
	return tx.Bucket(bPendingEntity).Put(pendingKey(entity, c.ID), nil)
}

// clearPending forgets that a command is unreplicated; it returns 1 if it was.
func clearPending(tx *bolt.Tx, id string) (int64, error) {
	p := tx.Bucket(bPending)
	entity := p.Get([]byte(id))
	if entity == nil {
		return 0, nil
	}
	if err := tx.Bucket(bPendingEntity).Delete(pendingKey(string(entity), id)); err != nil {
		return 0, err
	}
	return 1, p.Delete([]byte(id))
}

func pendingKey(entity, id string) []byte {
	return append(append([]byte(entity), 0), id...)
}

// reapplyUnknown applies the stored commands of kinds an older version did
// not know and this one does: after an upgrade they take effect.
func reapplyUnknown(tx *bolt.Tx) error {
	unknown := tx.Bucket(bUnknown)
	var ids [][]byte
	if err := unknown.ForEach(func(k, _ []byte) error {
		ids = append(ids, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		c, ok, err := storedCommand(tx, id)
		if err != nil || !ok {
			return fmt.Errorf("unknown command %s: %v", id, err)
		}
		body, err := c.Decode()
		if errors.Is(err, app.ErrUnknownKind) {
			continue // still from the future
		}
		if err != nil {
			return err
		}
		if err := tx.Bucket(bCmds).Delete(id); err != nil {
			return err
		}
		if err := unknown.Delete(id); err != nil {
			return err
		}
		stored, err := packCommand(c)
		if err != nil {
			return err
		}
		if _, err := applyCommand(tx, c, body, stored); err != nil {
			return err
		}
	}
	return nil
}

// packCommand returns the stored form of a command: canonical JSON, deflated.
func packCommand(c app.Command) ([]byte, error) {
	raw, err := c.Encode()
	if err != nil {
		return nil, fmt.Errorf("encode command %s: %w", c.ID, err)
	}
	return pack(raw), nil
}
