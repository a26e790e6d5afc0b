// Package pgtest starts throw-away PostgreSQL clusters for tests: Debian's
// PostgreSQL 15 (`make deps-pg` installs it), initdb and pg_ctl under the
// postgres user (as root) in a temp folder, on a free port of 127.0.0.1
// with the socket in the folder. One helper for every PostgreSQL test.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Bin is where Debian puts PostgreSQL 15's programs.
const Bin = "/usr/lib/postgresql/15/bin"

// Cluster is one running (or stopped) PostgreSQL server.
type Cluster struct {
	t    testing.TB
	Dir  string // holds data/, the socket and log
	Port int
}

// Start initialises and starts a new cluster, stopped and removed when the
// test ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c := newCluster(t)
	c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
	c.Restart()
	return c
}

func newCluster(t testing.TB) *Cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(Bin, "pg_ctl")); err != nil {
		t.Fatalf("PostgreSQL 15 is not installed (%v): run `make deps-pg` (apt-get install postgresql)", err)
	}
	dir, err := os.MkdirTemp("", "xaso-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // initdb refuses root: the cluster belongs to postgres
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("no postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c := &Cluster{t: t, Dir: dir, Port: freePort(t)}
	t.Cleanup(func() {
		c.Crash()
		os.RemoveAll(dir)
	})
	return c
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

// cmd runs one of PostgreSQL's programs as the postgres user.
func (c *Cluster) cmd(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(Bin, prog)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *Cluster) run(prog string, args ...string) {
	c.t.Helper()
	if out, err := c.cmd(prog, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s %s: %v\n%s\n%s", prog, strings.Join(args, " "), err, out, c.Log())
	}
}

// Log is the server's log so far.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
	return string(b)
}

// Restart starts the server (again, after Crash or Stop) and waits until it
// accepts connections.
func (c *Cluster) Restart() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200 -c wal_level=replica -c hot_standby=on", c.Port, c.Dir)
	c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.Dir, "log"), "-o", opts, "-w", "-t", "60", "start")
}

// Crash stops the server at once, as a power cut or a killed process would
// (pg_ctl -m immediate): it recovers from its WAL at the next start.
func (c *Cluster) Crash() {
	_ = c.cmd("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop").Run()
}

// URL is the address of database db.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// CreateDB makes a new empty database and returns its URL.
func (c *Cluster) CreateDB(name string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		c.t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		c.t.Fatalf("create database %s: %v", name, err)
	}
	return c.URL(name)
}

// Standby makes a streaming-replication standby of c (pg_basebackup -R)
// and starts it.
func (c *Cluster) Standby() *Cluster {
	c.t.Helper()
	s := newCluster(c.t)
	c.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres", "-D", s.data(), "-R", "-X", "stream", "-c", "fast", "--no-sync")
	s.Restart()
	return s
}

// Promote makes a standby the primary (pg_ctl promote) and waits for it.
func (c *Cluster) Promote() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-w", "promote")
}
