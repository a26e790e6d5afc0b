package release

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xaso/app"
)

// The subcommands in the order of docs/updates.md, on real files; each
// --help answers in Vietnamese then English; bad input is a coded error.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Main(context.Background(), args, &out, time.Now)
		return out.String(), err
	}
	for _, k := range []string{"root", "targets", "snapshot", "timestamp", "targets2"} {
		if out, err := run("keygen", "--out", p(k+".key")); err != nil || !strings.Contains(out, "keyid ") {
			t.Fatalf("keygen %s: %v %s", k, err, out)
		}
	}
	steps := [][]string{
		{"init", "--repo", p("repo"), "--root-key", p("root.key"), "--targets-key", p("targets.key.pub"),
			"--snapshot-key", p("snapshot.key"), "--timestamp-key", p("timestamp.key")},
	}
	// init signs targets: with only the public release key it says so.
	if _, err := run(steps[0]...); err == nil || !strings.Contains(err.Error(), "only a public key") {
		t.Fatalf("init with a public release key: %v", err)
	}
	steps[0][6] = p("targets.key")
	steps[0][2] = p("repo2")
	cat := catalogFile(t, dir, "2027.1")
	steps = append(steps,
		[]string{"add", "--repo", p("repo2"), "--kind", "catalog", cat},
		[]string{"sign", "--repo", p("repo2"), "--key", p("targets.key"), "--key", p("snapshot.key"), "--key", p("timestamp.key")},
		[]string{"verify", "--repo", p("repo2"), "--root", p("repo2/metadata/1.root.json"), "--target", "catalog/2027.1.json", "--file", cat},
		[]string{"rotate", "--repo", p("repo2"), "--role", "targets", "--old", p("targets.key.pub"), "--new", p("targets2.key.pub"), "--root-key", p("root.key")},
		[]string{"sign", "--repo", p("repo2"), "--key", p("targets2.key"), "--key", p("snapshot.key"), "--key", p("timestamp.key")},
		[]string{"verify", "--repo", p("repo2"), "--root", p("repo2/metadata/1.root.json")},
	)
	for _, s := range steps {
		out, err := run(s...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
	if out, _ := run(steps[len(steps)-1]...); !strings.Contains(out, "root 2, targets 3") || !strings.Contains(out, "catalog/2027.1.json") {
		t.Fatalf("verify after rotation:\n%s", out)
	}
	for _, sub := range []string{"keygen", "init", "add", "sign", "publish", "verify", "rotate"} {
		out, err := run(sub, "--help")
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "xaso release "+sub+" — ") || !strings.Contains(out, "-repo") && sub != "keygen" {
			t.Errorf("%s --help: %v\n%s", sub, err, out)
		}
	}
	bad := []struct {
		args []string
		code string
	}{
		{[]string{"frobnicate"}, app.EInvalid},
		{[]string{"sign", "--repo", p("nowhere"), "--key", p("timestamp.key")}, app.ENotFound},
		{[]string{"add", "--repo", p("repo2"), "--kind", "binary", "--os", "darwin", "--version", "1", cat}, app.EInvalid},
		{[]string{"verify", "--root", p("repo2/metadata/1.root.json")}, app.EInvalid},
		{[]string{"publish", "--repo", p("repo2"), "--hub", "http://127.0.0.1:1"}, app.EInvalid}, // no XASO_HUB_PASSWORD
	}
	t.Setenv("XASO_HUB_PASSWORD", "")
	for _, b := range bad {
		_, err := run(b.args...)
		var e *app.Error
		if !errors.As(err, &e) || e.Code != b.code || e.Message == "" || e.English == "" {
			t.Errorf("%v: %v, want %s", b.args, err, b.code)
		}
	}
}
