// Package pgstore keeps the hub in PostgreSQL (`xaso hub --db
// postgres://…`): accounts, enrolment, per commune the command log, the
// down log, the views folded from the commands (by app's Apply, the same
// fold as on the commune's PCs) and the scans. The schema is migrated at
// start by goose from the SQL embedded in the binary (migrations/). A batch
// is one transaction: the office is answered only after it commits.
// Dashboard reads (lists and counts) go to a read replica when one is given.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"xaso/app"
	"xaso/sync/hub"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config opens a store.
type Config struct {
	URL     string // postgres://… of the primary (several hosts and target_session_attrs=read-write follow a promotion)
	ReadURL string // a read replica for the dashboard's lists and counts; empty: the primary
	Logger  *slog.Logger
	// Timeout bounds one storage call (a batch, a page); 0: 30 s.
	Timeout time.Duration
}

// DB is the hub's PostgreSQL storage.
type DB struct {
	pool    *pgxpool.Pool
	read    *pgxpool.Pool // == pool without a replica
	log     *slog.Logger
	timeout time.Duration

	mu      sync.Mutex
	communs map[string]*communeLog
}

var _ hub.Storage = (*DB)(nil)

// ENewerSchema is the code of the refusal to run on a newer hub's schema.
const ENewerSchema = "db_schema_newer"

// Open connects, migrates the schema to this version's and returns the store.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	pool, err := newPool(ctx, cfg.URL)
	if err != nil {
		return nil, err
	}
	d := &DB{pool: pool, read: pool, log: cfg.Logger, timeout: cfg.Timeout, communs: map[string]*communeLog{}}
	if err := d.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if cfg.ReadURL != "" {
		if d.read, err = newPool(ctx, cfg.ReadURL); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return d, nil
}

func newPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, app.Errorf(app.EInvalid, "db", "Địa chỉ cơ sở dữ liệu không hợp lệ.", "the database URL is not valid").WithCause(err)
	}
	// A connection that died with its server (a restart, a promoted
	// standby) is dropped; the next call dials again.
	pc.HealthCheckPeriod = 5 * time.Second
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return pool, nil
}

// migrate applies the embedded migrations under PostgreSQL's advisory lock
// (two hubs starting at once migrate once) and refuses a database that a
// newer hub has already migrated further.
func (d *DB) migrate(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(d.pool)
	defer sqlDB.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres migrations: %w", err)
	}
	have, err := p.GetDBVersion(ctx)
	if err != nil && !errors.Is(err, goose.ErrVersionNotFound) {
		return fmt.Errorf("postgres: read the schema version: %w", err)
	}
	srcs := p.ListSources()
	latest := srcs[len(srcs)-1].Version
	if have > latest {
		return app.Errorf(ENewerSchema, "db", "Cơ sở dữ liệu đã được một phiên bản xaso hub mới hơn nâng cấp (lược đồ %d, bản này biết đến %d): hãy chạy bản mới hơn.",
			"the database was migrated by a newer xaso hub (schema %d, this version knows up to %d): run the newer version", have, latest)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres migrations: %w", err)
	}
	for _, r := range res {
		d.log.Info("postgres schema migrated", "version", r.Source.Version, "took", r.Duration.Round(time.Millisecond))
	}
	return nil
}

// Close closes the connections.
func (d *DB) Close() error {
	if d.read != d.pool {
		d.read.Close()
	}
	d.pool.Close()
	return nil
}

// call runs f with the store's timeout, again after a connection lost with
// a restarted or promoted server (every call is idempotent: a batch is
// applied once however often it is sent).
func (d *DB) call(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	return retry(ctx, f)
}

func retry(ctx context.Context, f func(ctx context.Context) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		if err = f(ctx); err == nil || !transient(err) || attempt == 4 {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
		}
	}
}

// transient reports an error of the connection, not of the statement: the
// server went away, is starting up or shutting down, or is a standby now.
func transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "08000", "08003", "08006", "25006", "40001":
			return true // admin/crash shutdown, cannot connect now, connection failures, read-only, serialization
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "conn busy") || strings.Contains(msg, "connection reset")
}

func getDoc[T any](d *DB, query string, args ...any) (T, bool, error) {
	var v T
	var ok bool
	err := d.call(func(ctx context.Context) error {
		var raw []byte
		err := d.pool.QueryRow(ctx, query, args...).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			ok = false
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		return json.Unmarshal(raw, &v)
	})
	return v, ok, err
}

func (d *DB) exec(query string, args ...any) error {
	return d.call(func(ctx context.Context) error {
		_, err := d.pool.Exec(ctx, query, args...)
		return err
	})
}

func (d *DB) User(name string) (hub.User, bool, error) {
	return getDoc[hub.User](d, `SELECT doc FROM hub_users WHERE name = $1`, name)
}
func (d *DB) PutUser(u hub.User) error {
	return d.exec(`INSERT INTO hub_users (name, doc) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc`, u.Username, u)
}
func (d *DB) Session(h string) (hub.Session, bool, error) {
	return getDoc[hub.Session](d, `SELECT doc FROM hub_sessions WHERE hash = $1`, h)
}
func (d *DB) PutSession(h string, s hub.Session) error {
	return d.exec(`INSERT INTO hub_sessions (hash, doc, expires) VALUES ($1, $2, $3)
		ON CONFLICT (hash) DO UPDATE SET doc = EXCLUDED.doc, expires = EXCLUDED.expires`, h, s, s.Expires)
}
func (d *DB) DeleteSession(h string) error {
	return d.exec(`DELETE FROM hub_sessions WHERE hash = $1`, h)
}
func (d *DB) Token(h string) (hub.Token, bool, error) {
	return getDoc[hub.Token](d, `SELECT doc FROM hub_tokens WHERE hash = $1`, h)
}
func (d *DB) PutToken(t hub.Token) error {
	return d.exec(`INSERT INTO hub_tokens (hash, doc) VALUES ($1, $2) ON CONFLICT (hash) DO UPDATE SET doc = EXCLUDED.doc`, t.Hash, t)
}
func (d *DB) Installation(id string) (hub.Installation, bool, error) {
	return getDoc[hub.Installation](d, `SELECT doc FROM hub_installations WHERE id = $1`, id)
}
func (d *DB) PutInstallation(in hub.Installation) error {
	return d.exec(`INSERT INTO hub_installations (id, commune, doc) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET commune = EXCLUDED.commune, doc = EXCLUDED.doc`, in.ID, in.Commune, in)
}
func (d *DB) Installations(commune string) ([]hub.Installation, error) {
	return listDocs[hub.Installation](d, d.pool, `SELECT doc FROM hub_installations WHERE commune = $1 ORDER BY id`, commune)
}
func (d *DB) CommuneInfo(code string) (hub.CommuneInfo, bool, error) {
	return getDoc[hub.CommuneInfo](d, `SELECT doc FROM hub_communes WHERE code = $1`, code)
}
func (d *DB) PutCommuneInfo(c hub.CommuneInfo) error {
	return d.exec(`INSERT INTO hub_communes (code, doc) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET doc = EXCLUDED.doc`, c.Code, c)
}
func (d *DB) CommuneInfos() ([]hub.CommuneInfo, error) {
	return listDocs[hub.CommuneInfo](d, d.pool, `SELECT doc FROM hub_communes ORDER BY code`)
}

func listDocs[T any](d *DB, pool *pgxpool.Pool, query string, args ...any) ([]T, error) {
	var out []T
	err := d.call(func(ctx context.Context) error {
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
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

var codePattern = regexp.MustCompile(`^[0-9]{5}$`)

// Commune returns the commune's log (its count read once).
func (d *DB) Commune(code string) (hub.CommuneLog, error) {
	if !codePattern.MatchString(code) {
		return nil, fmt.Errorf("commune code %q", code)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.communs[code]; ok {
		return c, nil
	}
	c := &communeLog{db: d, code: code}
	var n int64
	err := d.call(func(ctx context.Context) error {
		return d.pool.QueryRow(ctx, `SELECT count(*) FROM commands WHERE commune = $1`, code).Scan(&n)
	})
	if err != nil {
		return nil, fmt.Errorf("commune %s: %w", code, err)
	}
	c.count.Store(n)
	d.communs[code] = c
	return c, nil
}
