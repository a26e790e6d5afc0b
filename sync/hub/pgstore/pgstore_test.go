package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"xaso/app"
	"xaso/build/testkit"
	gen "xaso/store/storetest"
	"xaso/sync/hub"
	"xaso/sync/hub/pgstore"
	"xaso/sync/hub/pgstore/pgtest"
	"xaso/sync/hub/storetest"
)

// The hub's storage contract, on PostgreSQL: one throw-away cluster, a
// database per subtest.
func TestContract(t *testing.T) {
	pg := pgtest.Start(t)
	n := 0
	storetest.Run(t, func(t *testing.T) func() hub.Storage {
		n++
		url := pg.CreateDB(fmt.Sprintf("contract%d", n))
		return func() hub.Storage {
			db, err := pgstore.Open(context.Background(), pgstore.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	})
}

// A database a newer hub migrated further is refused with a clear, coded
// message, and left as it is.
func TestNewerSchemaRefused(t *testing.T) {
	pg := pgtest.Start(t)
	url := pg.CreateDB("hub")
	ctx := context.Background()
	db, err := pgstore.Open(ctx, pgstore.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)`); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.Open(ctx, pgstore.Config{URL: url})
	var e *app.Error
	if !errors.As(err, &e) || e.Code != pgstore.ENewerSchema || !strings.Contains(e.English, "schema 99") {
		t.Fatalf("opening a newer hub's database: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id = 99`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the newer schema's mark: %d %v", n, err)
	}
}

// With a read replica the dashboard's lists and counts come from it (they
// follow the primary within replication's lag); writes go to the primary.
func TestReadReplica(t *testing.T) {
	primary := pgtest.Start(t)
	url := primary.CreateDB("hub")
	standby := primary.Standby()
	ctx := context.Background()
	db, err := pgstore.Open(ctx, pgstore.Config{URL: url, ReadURL: standby.URL("hub")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cl, err := db.Commune("14701")
	if err != nil {
		t.Fatal(err)
	}
	cmds := gen.Dossiers(30, 5, time.Date(2026, 12, 3, 16, 0, 0, 0, app.VN()))
	if _, err := cl.Apply(ctx, cmds); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the replica lists every dossier", func() error {
		items, _, err := cl.Dossiers(app.ListQuery{Limit: 100})
		if err != nil || len(items) != 30 {
			return fmt.Errorf("%d items, %v", len(items), err)
		}
		st, err := cl.Counts(time.Now())
		if err != nil || st.Total != 30 {
			return fmt.Errorf("counts %+v, %v", st, err)
		}
		return nil
	})
	// The primary gone, the dashboard still reads from the replica.
	primary.Crash()
	if items, _, err := cl.Dossiers(app.ListQuery{Limit: 100}); err != nil || len(items) != 30 {
		t.Fatalf("lists with the primary down: %d items, %v", len(items), err)
	}
	// The replica refuses writes: they never go there.
	conn, err := pgx.Connect(ctx, standby.URL("hub"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM dossiers`); err == nil {
		t.Fatal("the standby took a write")
	}
}

// The change feed for the portal: every dossier once, then from the cursor
// only the dossiers changed since.
func TestChangeFeed(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	db, err := pgstore.Open(ctx, pgstore.Config{URL: pg.CreateDB("hub")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cmds := gen.Dossiers(40, 9, time.Date(2026, 12, 3, 16, 0, 0, 0, app.VN()))
	var receipts, acts []app.Command
	for _, c := range cmds {
		if c.Kind == app.KindDossierReceive {
			receipts = append(receipts, c)
		} else {
			acts = append(acts, c)
		}
	}
	for _, code := range []string{"14701", "14704"} {
		cl, err := db.Commune(code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Apply(ctx, receipts); err != nil {
			t.Fatal(err)
		}
	}
	read := func(cursor string) (map[string]int, string) {
		seen := map[string]int{}
		for {
			page, next, err := db.Changes(ctx, cursor, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				seen[c.Commune+"/"+c.Dossier.ID]++
			}
			if len(page) == 0 {
				return seen, cursor
			}
			cursor = next
		}
	}
	all, cursor := read("")
	if len(all) != 2*len(receipts) {
		t.Fatalf("first read: %d dossiers, want %d", len(all), 2*len(receipts))
	}
	for k, n := range all {
		if n != 1 {
			t.Fatalf("%s read %d times", k, n)
		}
	}
	cl, _ := db.Commune("14704")
	if _, err := cl.Apply(ctx, acts); err != nil {
		t.Fatal(err)
	}
	moved := map[string]bool{}
	for _, c := range acts {
		b, _ := c.Decode()
		moved["14704/"+b.(*app.ActBody).DossierID] = true
	}
	again, _ := read(cursor)
	if len(again) != len(moved) || len(moved) == 0 {
		t.Fatalf("after changes: %d dossiers read, %d changed", len(again), len(moved))
	}
	for k := range again {
		if !moved[k] {
			t.Fatalf("%s read again without a change", k)
		}
	}
	if _, _, err := db.Changes(ctx, "nonsense", 5); err == nil {
		t.Fatal("a bad cursor was accepted")
	}
}

// BenchmarkIngest16: 16 communes' batches into PostgreSQL at once.
func BenchmarkIngest16(b *testing.B) {
	pg := pgtest.Start(b)
	url := pg.CreateDB("hub")
	ctx := context.Background()
	db, err := pgstore.Open(ctx, pgstore.Config{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	storetest.Ingest(b, db, func() int64 {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	})
}
