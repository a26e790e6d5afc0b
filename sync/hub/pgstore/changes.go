package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"xaso/sync/hub/portal"
)

// Changes is the dossiers' change feed for the portal exporter: dossiers in
// the order of the transaction that last changed them. Only transactions
// older than every one still running are read (pg_snapshot_xmin), so a
// change committed late is never passed over by the cursor
// ("XACT:CHANGED" of the last row read).
func (d *DB) Changes(ctx context.Context, cursor string, limit int) ([]portal.Change, string, error) {
	xact, changed := "0", int64(0)
	if cursor != "" {
		x, c, ok := strings.Cut(cursor, ":")
		n, err := strconv.ParseInt(c, 10, 64)
		if _, xerr := strconv.ParseUint(x, 10, 64); !ok || err != nil || xerr != nil {
			return nil, "", fmt.Errorf("portal cursor %q", cursor)
		}
		xact, changed = x, n
	}
	var out []portal.Change
	next := cursor
	err := retry(ctx, func(ctx context.Context) error {
		out, next = out[:0], cursor
		rows, err := d.pool.Query(ctx, `SELECT commune, xact::text, changed, doc FROM dossiers
			WHERE live AND (xact, changed) > ($1::text::xid8, $2) AND xact < pg_snapshot_xmin(pg_current_snapshot())
			ORDER BY xact, changed LIMIT $3`, xact, changed, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c portal.Change
			var x string
			var n int64
			var raw []byte
			if err := rows.Scan(&c.Commune, &x, &n, &raw); err != nil {
				return err
			}
			if err := json.Unmarshal(raw, &c.Dossier); err != nil {
				return fmt.Errorf("dossier of %s: %w", c.Commune, err)
			}
			out = append(out, c)
			next = x + ":" + strconv.FormatInt(n, 10)
		}
		return rows.Err()
	})
	return out, next, err
}

var _ portal.Source = (*DB)(nil)
