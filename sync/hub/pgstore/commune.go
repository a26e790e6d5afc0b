package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"xaso/app"
)

// communeLog is one commune in PostgreSQL. The hub serialises a commune's
// writes (Apply, AppendDown); reads run beside them.
type communeLog struct {
	db    *DB
	code  string
	count atomic.Int64
}

// pending is a command on its way in: decoded, encoded, its entity known.
type pending struct {
	cmd    app.Command
	body   app.Body // nil: a kind from a newer version
	raw    []byte
	entity string
	target app.Target
}

func prepare(cmds []app.Command) ([]pending, error) {
	out := make([]pending, 0, len(cmds))
	seen := make(map[string]bool, len(cmds))
	for _, c := range cmds {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("apply: %w", err)
		}
		p := pending{cmd: c}
		var err error
		p.body, err = c.Decode()
		if err != nil && !errors.Is(err, app.ErrUnknownKind) {
			return nil, fmt.Errorf("apply %s: %w", c.ID, err)
		}
		if p.body != nil {
			k, _ := app.LookupKind(c.Kind)
			p.entity, p.target = p.body.Entity(), k.Target
		}
		if p.raw, err = c.Encode(); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Apply keeps the new commands and folds them, all in one transaction: when
// it returns nil they are committed, and not before.
func (c *communeLog) Apply(ctx context.Context, cmds []app.Command) (int, error) {
	ps, err := prepare(cmds)
	if err != nil || len(ps) == 0 {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.db.timeout)
	defer cancel()
	added, attempts := 0, 0
	err = retry(ctx, func(ctx context.Context) error {
		attempts++
		return pgx.BeginFunc(ctx, c.db.pool, func(tx pgx.Tx) error {
			var err error
			added, err = c.applyTx(ctx, tx, ps)
			return err
		})
	})
	if err != nil {
		return 0, err
	}
	if attempts > 1 { // an earlier attempt may have committed unseen: count again
		return added, c.recount(ctx)
	}
	c.count.Add(int64(added))
	return added, nil
}

func (c *communeLog) recount(ctx context.Context) error {
	var n int64
	if err := c.db.pool.QueryRow(ctx, `SELECT count(*) FROM commands WHERE commune = $1`, c.code).Scan(&n); err != nil {
		return err
	}
	c.count.Store(n)
	return nil
}

// applyTx inserts the commands not held yet and folds the entities they
// touch: on top of the stored state when every new command of the entity
// comes after its stored ones, else again from all of its commands.
func (c *communeLog) applyTx(ctx context.Context, tx pgx.Tx, ps []pending) (int, error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.cmd.ID
	}
	rows, err := tx.Query(ctx, `SELECT id FROM commands WHERE commune = $1 AND id = ANY($2)`, c.code, ids)
	if err != nil {
		return 0, err
	}
	held, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	fresh := ps[:0:0]
	for _, p := range ps {
		if !slices.Contains(held, p.cmd.ID) {
			fresh = append(fresh, p)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	// The latest stored command of each entity touched, before this batch.
	byEntity := map[string][]pending{}
	var entities []string
	for _, p := range fresh {
		if p.body == nil || p.target == app.TargetAudit {
			continue
		}
		if _, ok := byEntity[p.entity]; !ok {
			entities = append(entities, p.entity)
		}
		byEntity[p.entity] = append(byEntity[p.entity], p)
	}
	latest := map[string]foldKey{}
	if len(entities) > 0 {
		rows, err := tx.Query(ctx, `SELECT DISTINCT ON (entity) entity, at, node, id FROM commands
			WHERE commune = $1 AND entity = ANY($2) ORDER BY entity, at DESC, node DESC, id DESC`, c.code, entities)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var e string
			var k foldKey
			if err := rows.Scan(&e, &k.at, &k.node, &k.id); err != nil {
				rows.Close()
				return 0, err
			}
			latest[e] = k
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	if err := c.insertCommands(ctx, tx, fresh); err != nil {
		return 0, err
	}
	// The stored states of the entities folded on top, read at once; the
	// new states written in one pipelined batch.
	onTop := map[string]bool{}
	for _, e := range entities {
		cs := byEntity[e]
		slices.SortFunc(cs, func(a, b pending) int { return keyOf(a.cmd).compare(keyOf(b.cmd)) })
		top, had := latest[e]
		onTop[e] = !had || top.compare(keyOf(cs[0].cmd)) < 0
	}
	stored, err := c.loadStates(ctx, tx, entities, byEntity, onTop)
	if err != nil {
		return 0, err
	}
	writes := &pgx.Batch{}
	for _, e := range entities {
		if err := c.fold(ctx, tx, writes, e, byEntity[e], onTop[e], stored[e]); err != nil {
			return 0, fmt.Errorf("apply %s: %w", e, err)
		}
	}
	if err := tx.SendBatch(ctx, writes).Close(); err != nil {
		return 0, err
	}
	return len(fresh), nil
}

func (c *communeLog) insertCommands(ctx context.Context, tx pgx.Tx, ps []pending) error {
	n := len(ps)
	ids, kinds, nodes, ents, targets := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]*string, n)
	ats, raws := make([]int64, n), make([][]byte, n)
	for i, p := range ps {
		ids[i], kinds[i], nodes[i], ats[i], raws[i] = p.cmd.ID, p.cmd.Kind, p.cmd.Node, int64(p.cmd.At), p.raw
		if p.body != nil {
			e, t := p.entity, string(p.target)
			ents[i], targets[i] = &e, &t
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO commands (commune, id, kind, at, node, entity, target, raw)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::bytea[])`,
		c.code, ids, kinds, ats, nodes, ents, targets, raws)
	return err
}

// foldKey orders an entity's commands as store.Apply does: (At, Node, ID).
type foldKey struct {
	at       int64
	node, id string
}

func keyOf(c app.Command) foldKey { return foldKey{int64(c.At), c.Node, c.ID} }

func (k foldKey) compare(o foldKey) int {
	switch {
	case k.at != o.at:
		if k.at < o.at {
			return -1
		}
		return 1
	case k.node != o.node:
		return strings.Compare(k.node, o.node)
	}
	return strings.Compare(k.id, o.id)
}

// state is one entity's folded state of some type.
type state interface{ Apply(app.Command, app.Body) }

func newState(t app.Target) (state, error) {
	switch t {
	case app.TargetDossier:
		return &app.Dossier{}, nil
	case app.TargetUser:
		return &app.User{}, nil
	case app.TargetSlot:
		return &app.SlotLease{}, nil
	case app.TargetCommune:
		return &app.CommuneConfig{}, nil
	case app.TargetCatalog:
		return &app.CatalogVersion{}, nil
	case app.TargetCalendar:
		return &app.CalendarYear{}, nil
	case app.TargetRegister:
		return &app.Book{}, nil
	case app.TargetEntry:
		return &app.Entry{}, nil
	case app.TargetPC:
		return &app.PCName{}, nil
	case app.TargetInstall:
		return &app.Installation{}, nil
	}
	return nil, fmt.Errorf("no fold for target %q", t)
}

// loadStates reads the stored states of the entities folded on top.
func (c *communeLog) loadStates(ctx context.Context, tx pgx.Tx, entities []string, byEntity map[string][]pending, onTop map[string]bool) (map[string][]byte, error) {
	var dossierIDs, others []string
	for _, e := range entities {
		if !onTop[e] {
			continue
		}
		if byEntity[e][0].target == app.TargetDossier {
			dossierIDs = append(dossierIDs, app.EntityID(e))
		} else {
			others = append(others, e)
		}
	}
	out := map[string][]byte{}
	read := func(q string, keys []string, prefix string) error {
		if len(keys) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, q, c.code, keys)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var raw []byte
			if err := rows.Scan(&k, &raw); err != nil {
				return err
			}
			out[prefix+k] = raw
		}
		return rows.Err()
	}
	if err := read(`SELECT id, doc FROM dossiers WHERE commune = $1 AND id = ANY($2)`, dossierIDs, "dossier/"); err != nil {
		return nil, err
	}
	if err := read(`SELECT entity, doc FROM entities WHERE commune = $1 AND entity = ANY($2)`, others, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// fold brings one entity's view up to date with cs (its new commands, in
// fold order) and queues its write: on top of its stored state (raw, nil
// for a new entity), or again from all of its commands.
func (c *communeLog) fold(ctx context.Context, tx pgx.Tx, writes *pgx.Batch, entity string, cs []pending, onTop bool, raw []byte) error {
	target := cs[0].target
	st, err := newState(target)
	if err != nil {
		return err
	}
	if onTop {
		if raw != nil {
			if err := json.Unmarshal(raw, st); err != nil {
				return fmt.Errorf("stored state: %w", err)
			}
		}
		for _, p := range cs {
			st.Apply(p.cmd, p.body)
		}
	} else { // a command arrived "in the past": fold every command of the entity again
		rows, err := tx.Query(ctx, `SELECT raw FROM commands WHERE commune = $1 AND entity = $2 ORDER BY at, node, id`, c.code, entity)
		if err != nil {
			return err
		}
		raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return err
		}
		for _, raw := range raws {
			oc, err := app.DecodeCommand(raw)
			if err != nil {
				return fmt.Errorf("stored command: %w", err)
			}
			ob, err := oc.Decode()
			if err != nil {
				return fmt.Errorf("stored command %s: %w", oc.ID, err)
			}
			st.Apply(oc, ob)
		}
	}
	if d, ok := st.(*app.Dossier); ok {
		c.putDossier(writes, app.EntityID(entity), d)
		return nil
	}
	writes.Queue(`INSERT INTO entities (commune, entity, target, doc) VALUES ($1, $2, $3, $4)
		ON CONFLICT (commune, entity) DO UPDATE SET doc = EXCLUDED.doc`, c.code, entity, string(target), st)
	return nil
}

// putDossier writes a dossier's view with the columns lists filter on.
func (c *communeLog) putDossier(writes *pgx.Batch, id string, d *app.Dossier) {
	var due, closed *int64
	if !d.DueAt.IsZero() {
		v := d.DueAt.UnixMilli()
		due = &v
	}
	if d.Status.Terminal() {
		v := d.ClosedAt.UnixMilli()
		closed = &v
	}
	var timing *string
	if t, ok := d.ResultTiming(); ok {
		s := string(t)
		timing = &s
	}
	keys := app.NameKeys(d.Applicant.FullName)
	if keys == nil {
		keys = []string{}
	}
	writes.Queue(`INSERT INTO dossiers (commune, id, live, code, status, received_ms, due_ms, closed_ms, holder, timing,
			id_number, phone, name_keys, channel, procedure, changed, xact, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, nextval('dossier_changes'), pg_current_xact_id(), $16)
		ON CONFLICT (commune, id) DO UPDATE SET live = EXCLUDED.live, code = EXCLUDED.code, status = EXCLUDED.status,
			received_ms = EXCLUDED.received_ms, due_ms = EXCLUDED.due_ms, closed_ms = EXCLUDED.closed_ms, holder = EXCLUDED.holder,
			timing = EXCLUDED.timing, id_number = EXCLUDED.id_number, phone = EXCLUDED.phone, name_keys = EXCLUDED.name_keys,
			channel = EXCLUDED.channel, procedure = EXCLUDED.procedure, changed = EXCLUDED.changed, xact = EXCLUDED.xact,
			doc = EXCLUDED.doc`,
		c.code, id, d.ID != "", d.Code, string(d.Status), d.ReceivedAt.UnixMilli(), due, closed, d.Holder, timing,
		d.Applicant.IDNumber, d.Applicant.Phone, keys, string(d.Channel), d.Procedure.Code, d)
}

func (c *communeLog) Count() int { return int(c.count.Load()) }

func (c *communeLog) After(after string, limit int) ([]app.Command, error) {
	return c.commands(c.db.pool, `SELECT raw FROM commands WHERE commune = $1 AND id > $2 ORDER BY id LIMIT $3`, c.code, after, limit)
}

func (c *communeLog) commands(pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, args ...any) ([]app.Command, error) {
	var out []app.Command
	err := c.db.call(func(ctx context.Context) error {
		out = out[:0]
		rows, err := pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return err
		}
		for _, raw := range raws {
			cmd, err := app.DecodeCommand(raw)
			if err != nil {
				return fmt.Errorf("commune %s: stored command: %w", c.code, err)
			}
			out = append(out, cmd)
		}
		return nil
	})
	return out, err
}

// AppendDown numbers, keeps and folds a down command in one transaction.
func (c *communeLog) AppendDown(ctx context.Context, make func(seq uint64) (app.Command, error)) (app.Command, error) {
	ctx, cancel := context.WithTimeout(ctx, c.db.timeout)
	defer cancel()
	var cmd app.Command
	added := 0
	err := retry(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, c.db.pool, func(tx pgx.Tx) error {
			var seq int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM down_log WHERE commune = $1`, c.code).Scan(&seq); err != nil {
				return err
			}
			var err error
			if cmd, err = make(uint64(seq)); err != nil {
				return err
			}
			raw, err := cmd.Encode()
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO down_log (commune, seq, raw) VALUES ($1, $2, $3)`, c.code, seq, raw); err != nil {
				return err
			}
			ps, err := prepare([]app.Command{cmd})
			if err != nil {
				return err
			}
			added, err = c.applyTx(ctx, tx, ps)
			return err
		})
	})
	if err != nil {
		return app.Command{}, err
	}
	c.count.Add(int64(added))
	return cmd, nil
}

func (c *communeLog) Down(after uint64, limit int) ([]app.Command, bool, error) {
	cmds, err := c.commands(c.db.pool, `SELECT raw FROM down_log WHERE commune = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		c.code, int64(after), limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(cmds) > limit {
		return cmds[:limit], true, nil
	}
	return cmds, false, nil
}
