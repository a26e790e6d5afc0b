package store

import (
	"slices"

	"xaso/app"
)

// The reads that answer a desk about its own receipt (is it replicated,
// does its code clash) do not wait for the folder: they add what the
// folder's queue holds to what bbolt holds. queueIndex keeps what they need
// of the queue, updated as requests enter and leave it, so that each read
// costs a map lookup, not a walk over every receipt waiting.
type queueIndex struct {
	byEntity map[string][]string // entity → IDs of its queued commands made here
	byCode   map[string][]string // dossier code → IDs of the dossiers queued with it
	recodes  int                 // queued commands that may change a code: recodes, kinds from a newer version
}

// track adds (add) or removes the local commands of r; s.mu is held.
func (q *queueIndex) track(r *request, add bool) {
	if !r.local {
		return
	}
	if q.byEntity == nil {
		q.byEntity, q.byCode = map[string][]string{}, map[string][]string{}
	}
	for i, c := range r.cmds {
		b := r.bodies[i]
		if b == nil {
			q.count(add)
			continue
		}
		q.byEntity[r.entities[i]] = edit(q.byEntity[r.entities[i]], c.ID, add, q.byEntity, r.entities[i])
		switch b := b.(type) {
		case *app.ReceiveBody:
			q.byCode[b.Code] = edit(q.byCode[b.Code], b.DossierID, add, q.byCode, b.Code)
		case *app.ActBody:
			if b.Action == app.ActRecode {
				q.count(add)
			}
		}
	}
}

func (q *queueIndex) count(add bool) {
	if add {
		q.recodes++
	} else {
		q.recodes--
	}
}

// edit adds id to ids, or removes its first occurrence; an empty list
// leaves the map.
func edit(ids []string, id string, add bool, m map[string][]string, key string) []string {
	if add {
		return append(ids, id)
	}
	if i := slices.Index(ids, id); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(m, key)
		return nil
	}
	return ids
}

// reset forgets the whole queue; s.mu is held.
func (q *queueIndex) reset() { *q = queueIndex{} }

// queuedFor returns the IDs of the queued commands of entity made here.
func (s *Store) queuedFor(entity string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.fs.index.byEntity[entity])
}

// queuedCode returns the IDs of the queued dossiers received with code, and
// whether a queued command may give a dossier a new code.
func (s *Store) queuedCode(code string) (ids []string, recodes bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.fs.index.byCode[code]), s.fs.index.recodes > 0
}

// queued calls fn for each command made here that is acknowledged and not
// yet folded, oldest first. A read that adds these to what viewNow finds
// answers without waiting for the fold; it takes them before it reads
// bbolt, so a command folded meanwhile is seen twice, never missed: the
// reader counts distinct command IDs.
func (s *Store) queued(fn func(app.Command, app.Body)) {
	s.mu.Lock()
	q := append([]*request(nil), s.fs.queue...)
	s.mu.Unlock()
	for _, r := range q {
		if !r.local {
			continue
		}
		for i, c := range r.cmds {
			fn(c, r.bodies[i])
		}
	}
}
