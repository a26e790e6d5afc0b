package pgstore_test

import (
	"context"
	"fmt"
	"testing"

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
