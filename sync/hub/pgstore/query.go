package pgstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"xaso/app"
	"xaso/store"
)

func notFound(vi, en string) error {
	return &app.Error{Code: app.ENotFound, Message: "Không tìm thấy " + vi + ".", English: en + " not found"}
}

// Dossier reads the primary: it follows the hub's own writes (an online
// dossier just sent down).
func (c *communeLog) Dossier(id string) (app.Dossier, error) {
	var d app.Dossier
	err := c.db.call(func(ctx context.Context) error {
		var raw []byte
		err := c.db.pool.QueryRow(ctx, `SELECT doc FROM dossiers WHERE commune = $1 AND id = $2 AND live`, c.code, id).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("hồ sơ", "dossier")
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &d)
	})
	return d, err
}

// listPlan is one list query in SQL: a filter and a keyset order whose
// key is (sortExpr, id).
type listPlan struct {
	where    string
	args     []any
	sortExpr string // a bigint or text expression
	intKey   bool
	desc     bool
	codePart string // a code fragment, matched in Go (app.CodeMatches)
}

func plan(code string, q app.ListQuery) listPlan {
	p := listPlan{where: "commune = $1 AND live", args: []any{code}}
	arg := func(v any) string {
		p.args = append(p.args, v)
		return fmt.Sprintf("$%d", len(p.args))
	}
	kind, term := app.ClassifySearch(q.Q)
	switch {
	case kind == app.SearchCode:
		p.where += " AND code = " + arg(term)
		p.sortExpr = "code"
	case kind == app.SearchCodePart:
		p.sortExpr, p.desc, p.codePart = "code", true, term
	case kind == app.SearchNumber:
		a := arg(term)
		p.where += fmt.Sprintf(" AND (starts_with(id_number, %s) OR starts_with(phone, %s))", a, a)
		p.sortExpr = "code"
	case kind == app.SearchName:
		p.where += fmt.Sprintf(" AND EXISTS (SELECT 1 FROM unnest(name_keys) k WHERE starts_with(k, %s))", arg(term))
		p.sortExpr = "code"
	case q.Holder != "":
		p.where += " AND closed_ms IS NULL AND holder = " + arg(q.Holder)
		p.sortExpr, p.intKey = "coalesce(due_ms, 9223372036854775807)", true
	case q.Queue != "" || !q.DueMin.IsZero() || !q.DueMax.IsZero():
		p.where += " AND closed_ms IS NULL"
		if !q.DueMin.IsZero() {
			p.where += " AND coalesce(due_ms, 9223372036854775807) >= " + arg(q.DueMin.UnixMilli())
		}
		if !q.DueMax.IsZero() {
			p.where += " AND due_ms < " + arg(q.DueMax.UnixMilli())
		}
		if q.Queue == app.QueueOverdue {
			p.where += " AND status <> " + arg(string(app.StatusSupplementRequested))
		}
		p.sortExpr, p.intKey = "coalesce(due_ms, 9223372036854775807)", true
	default: // by status or all: newest first
		p.sortExpr, p.intKey, p.desc = "received_ms", true, true
	}
	if q.Status != "" {
		p.where += " AND status = " + arg(string(q.Status))
	}
	return p
}

// cursor is the key of the last row of a page.
type cursor struct {
	K  json.RawMessage `json:"k"`
	ID string          `json:"id"`
}

// maxScan bounds the rows a page reads to match a code fragment.
const maxScan = 50_000

// Dossiers runs a list query (on the read replica when there is one).
func (c *communeLog) Dossiers(q app.ListQuery) ([]app.Dossier, string, error) {
	p := plan(c.code, q)
	if q.Limit < 1 {
		return nil, "", nil
	}
	var after *cursor
	if q.After != "" {
		raw, err := hex.DecodeString(q.After)
		after = &cursor{}
		if err != nil || json.Unmarshal(raw, after) != nil {
			return nil, "", app.Errorf(app.EInvalid, "after", "Con trỏ trang không hợp lệ.", "the page cursor is not valid")
		}
	}
	var items []app.Dossier
	var next string
	err := c.db.call(func(ctx context.Context) error {
		items, next = items[:0], ""
		from := after
		scanned := 0
		for {
			where, args := p.where, append([]any{}, p.args...)
			if from != nil {
				var k any
				if p.intKey {
					var n int64
					if json.Unmarshal(from.K, &n) != nil {
						return app.Errorf(app.EInvalid, "after", "Con trỏ trang không hợp lệ.", "the page cursor is not valid")
					}
					k = n
				} else {
					var s string
					if json.Unmarshal(from.K, &s) != nil {
						return app.Errorf(app.EInvalid, "after", "Con trỏ trang không hợp lệ.", "the page cursor is not valid")
					}
					k = s
				}
				op := ">"
				if p.desc {
					op = "<"
				}
				args = append(args, k, from.ID)
				where += fmt.Sprintf(" AND (%s, id) %s ($%d, $%d)", p.sortExpr, op, len(args)-1, len(args))
			}
			dir := ""
			if p.desc {
				dir = " DESC"
			}
			want := q.Limit + 1 - len(items)
			if p.codePart != "" {
				want = 500
			}
			rows, err := c.db.read.Query(ctx, fmt.Sprintf(`SELECT %s, id, doc FROM dossiers WHERE %s ORDER BY %s%s, id%s LIMIT %d`,
				p.sortExpr, where, p.sortExpr, dir, dir, want), args...)
			if err != nil {
				return err
			}
			n := 0
			var last cursor
			for rows.Next() {
				n++
				var key any
				var id string
				var raw []byte
				if err := rows.Scan(&key, &id, &raw); err != nil {
					rows.Close()
					return err
				}
				kj, _ := json.Marshal(key)
				if len(items) == q.Limit {
					b, _ := json.Marshal(last)
					next = hex.EncodeToString(b)
					rows.Close()
					return nil
				}
				last = cursor{K: kj, ID: id}
				scanned++
				var d app.Dossier
				if err := json.Unmarshal(raw, &d); err != nil {
					rows.Close()
					return fmt.Errorf("decode dossier %s: %w", id, err)
				}
				if p.codePart != "" && !app.CodeMatches(d.Code, p.codePart) {
					if scanned == maxScan {
						b, _ := json.Marshal(last)
						next = hex.EncodeToString(b)
						rows.Close()
						return nil
					}
					continue
				}
				items = append(items, d)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if n < want || p.codePart == "" {
				return nil
			}
			from = &last
		}
	})
	return items, next, err
}

// Counts are the dashboard's counters at now, in SQL (on the read replica
// when there is one).
func (c *communeLog) Counts(now time.Time) (app.Stats, error) {
	st := app.Stats{ByStatus: map[app.Status]int{}, Processed: map[app.Timing]int{}}
	y, m, d := now.In(app.VN()).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, app.VN())
	err := c.db.call(func(ctx context.Context) error {
		st = app.Stats{ByStatus: map[app.Status]int{}, Processed: map[app.Timing]int{}}
		rows, err := c.db.read.Query(ctx, `SELECT 's', status, count(*) FROM dossiers WHERE commune = $1 AND live GROUP BY status
			UNION ALL SELECT 't', timing, count(*) FROM dossiers WHERE commune = $1 AND live AND timing IS NOT NULL GROUP BY timing`, c.code)
		if err != nil {
			return err
		}
		for rows.Next() {
			var kind, name string
			var n int
			if err := rows.Scan(&kind, &name, &n); err != nil {
				rows.Close()
				return err
			}
			if kind == "s" {
				st.ByStatus[app.Status(name)] = n
				st.Total += n
			} else {
				st.Processed[app.Timing(name)] = n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return c.db.read.QueryRow(ctx, `SELECT
				count(*) FILTER (WHERE due_ms < $2 AND status <> $4),
				count(*) FILTER (WHERE due_ms >= $3)
			FROM dossiers WHERE commune = $1 AND live AND closed_ms IS NULL AND due_ms < $5`,
			c.code, now.UnixMilli(), dayStart.UnixMilli(), string(app.StatusSupplementRequested), dayStart.AddDate(0, 0, 1).UnixMilli()).
			Scan(&st.Overdue, &st.DueToday)
	})
	return st, err
}

// DossiersForPeriod calls fn with every dossier a report on [from, to) may
// count: received before to, and open or closed at or after from (read on
// the replica when there is one).
func (c *communeLog) DossiersForPeriod(from, to time.Time, fn func(app.Dossier) error) error {
	var ds []app.Dossier
	err := c.db.call(func(ctx context.Context) error {
		ds = ds[:0]
		rows, err := c.db.read.Query(ctx, `SELECT doc FROM dossiers WHERE commune = $1 AND live AND received_ms < $2
			AND (closed_ms IS NULL OR closed_ms >= $3) ORDER BY id`, c.code, to.UnixMilli(), from.UnixMilli())
		if err != nil {
			return err
		}
		raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return err
		}
		for _, raw := range raws {
			var d app.Dossier
			if err := json.Unmarshal(raw, &d); err != nil {
				return err
			}
			ds = append(ds, d)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range ds {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

func (c *communeLog) Config() (app.CommuneConfig, bool, error) {
	v, ok, err := getDoc[app.CommuneConfig](c.db, `SELECT doc FROM entities WHERE commune = $1 AND entity = $2`, c.code, "commune")
	return v, ok, err
}

// PublishedStamp is the number of catalog and calendar commands held: it
// changes whenever what the province published to the commune may have.
func (c *communeLog) PublishedStamp() (uint64, error) {
	var n int64
	err := c.db.call(func(ctx context.Context) error {
		return c.db.pool.QueryRow(ctx, `SELECT count(*) FROM commands WHERE commune = $1 AND target IN ($2, $3)`,
			c.code, string(app.TargetCatalog), string(app.TargetCalendar)).Scan(&n)
	})
	return uint64(n), err
}

func (c *communeLog) CatalogVersions() ([]app.CatalogVersion, error) {
	return listDocs[app.CatalogVersion](c.db, c.db.pool, `SELECT doc FROM entities WHERE commune = $1 AND target = $2 ORDER BY entity`,
		c.code, string(app.TargetCatalog))
}

func (c *communeLog) CalendarYears() ([]app.CalendarYear, error) {
	return listDocs[app.CalendarYear](c.db, c.db.pool, `SELECT doc FROM entities WHERE commune = $1 AND target = $2 ORDER BY entity`,
		c.code, string(app.TargetCalendar))
}

// StateHash is the hash the commune's own store would have with the
// commands held here: they are folded into a throw-away commune store (the
// same code as on the commune's PCs), so the hash equals the office's once
// both hold the same commands. It reads the whole log: a check, not a view.
func (c *communeLog) StateHash() (string, error) {
	dir, err := os.MkdirTemp("", "xaso-hub-hash-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(store.Config{Dir: dir, Logger: c.db.log.With("commune", c.code, "state_hash", true)})
	if err != nil {
		return "", err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*c.db.timeout)
	defer cancel()
	after := ""
	for {
		page, err := c.After(after, 5000)
		if err != nil {
			return "", err
		}
		if len(page) == 0 {
			break
		}
		if err := st.Apply(ctx, page...); err != nil {
			return "", err
		}
		after = page[len(page)-1].ID
	}
	return st.StateHash()
}

func (c *communeLog) HasBlob(h string) (bool, error) {
	var ok bool
	err := c.db.call(func(ctx context.Context) error {
		return c.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blobs WHERE commune = $1 AND hash = $2)`, c.code, h).Scan(&ok)
	})
	return ok, err
}

// PutBlob keeps a scan if its content has the hash it claims.
func (c *communeLog) PutBlob(h string, r io.Reader, limit int64) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("blob %s: larger than %d bytes", h, limit)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != h {
		return fmt.Errorf("blob %s: content hashes to %s", h, got)
	}
	return c.db.exec(`INSERT INTO blobs (commune, hash, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, c.code, h, data)
}

func (c *communeLog) Blob(h string) (io.ReadCloser, error) {
	var data []byte
	err := c.db.call(func(ctx context.Context) error {
		err := c.db.pool.QueryRow(ctx, `SELECT data FROM blobs WHERE commune = $1 AND hash = $2`, c.code, h).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("tệp", "blob")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}
