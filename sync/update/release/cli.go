package release

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"xaso/app"
)

// Usage of `xaso release`.
const Usage = `xaso release — phát hành bản cập nhật có ký (TUF) cho các xã / signed releases for the communes

  xaso release keygen  --out FILE                    tạo khoá Ed25519 (FILE bí mật, FILE.pub công khai)
  xaso release init    --repo DIR --root-key F … [--threshold N] --targets-key F --snapshot-key F --timestamp-key F
                                                     tạo kho cập nhật mới
  xaso release add     --repo DIR --kind binary|catalog|calendar [--version V --os linux --arch amd64] FILE
                                                     thêm chương trình, danh mục thủ tục hoặc lịch làm việc
  xaso release sign    --repo DIR --key F …           ký phiên bản mới (targets, snapshot, timestamp)
  xaso release publish --repo DIR --hub URL [--user admin]
                                                     đưa kho lên máy chủ tỉnh (mật khẩu: XASO_HUB_PASSWORD)
  xaso release verify  --root ROOT.json (--repo DIR | --hub URL) [--target PATH --file F]
                                                     kiểm tra kho hoặc tệp đã tải, như máy của xã kiểm tra
  xaso release rotate  --repo DIR --role ROLE --old F --new F --root-key F …
                                                     thay một khoá (root, targets, snapshot, timestamp)

Each subcommand has --help. The order of a release is in docs/updates.md.
`

// Main runs `xaso release ARGS`.
func Main(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, Usage)
		if len(args) == 0 {
			return app.Errorf(app.EInvalid, "", "Thiếu lệnh con: keygen, init, add, sign, publish, verify hoặc rotate.",
				"a subcommand is needed: keygen, init, add, sign, publish, verify or rotate")
		}
		return nil
	}
	cmds := map[string]func(context.Context, []string, io.Writer, func() time.Time) error{
		"keygen": keygenCmd, "init": initCmd, "add": addCmd, "sign": signCmd, "publish": publishCmd,
		"verify": verifyCmd, "rotate": rotateCmd,
	}
	run, ok := cmds[args[0]]
	if !ok {
		return app.Errorf(app.EInvalid, "", "Không có lệnh `xaso release %s`: keygen, init, add, sign, publish, verify hoặc rotate.",
			"no command `xaso release %s`: keygen, init, add, sign, publish, verify or rotate", args[0])
	}
	return run(ctx, args[1:], stdout, now)
}

// flags makes a flag set whose --help prints vi then en, to stdout.
func flags(name, vi, en string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("xaso release "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "xaso release %s — %s\n%s\n\n", name, vi, en)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses and refuses stray arguments beyond want.
func parse(fs *flag.FlagSet, args []string, want int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != want {
		return app.Errorf(app.EInvalid, "", "%s: cần %d tham số ngoài cờ, có %d (xem --help).",
			"%s: want %d arguments besides flags, got %d (see --help)", fs.Name(), want, fs.NArg())
	}
	return nil
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func need(name, v string) error {
	if v == "" {
		return app.Errorf(app.EInvalid, name, "Thiếu --%s (xem --help).", "--%s is required (see --help)", name)
	}
	return nil
}

func keygenCmd(_ context.Context, args []string, stdout io.Writer, _ func() time.Time) error {
	fs := flags("keygen", "tạo một khoá Ed25519: FILE (bí mật, chỉ chủ đọc được) và FILE.pub (công khai).",
		"makes an Ed25519 key: FILE (private, owner-only) and FILE.pub (public).", stdout)
	out := fs.String("out", "", "the private key file to write (never overwritten)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := need("out", *out); err != nil {
		return err
	}
	id, err := Keygen(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã tạo khoá / key written: %s (+ .pub)\nkeyid %s\n", *out, id)
	return nil
}

func expiryFlags(fs *flag.FlagSet) func() (Expiry, error) {
	root := fs.String("root-expires", "365d", "root metadata lifetime")
	targets := fs.String("targets-expires", "90d", "targets metadata lifetime")
	snapshot := fs.String("snapshot-expires", "30d", "snapshot metadata lifetime")
	timestamp := fs.String("timestamp-expires", "7d", "timestamp metadata lifetime (re-sign before it ends)")
	return func() (Expiry, error) {
		var e Expiry
		for _, x := range []struct {
			name string
			v    string
			d    *time.Duration
		}{{"root-expires", *root, &e.Root}, {"targets-expires", *targets, &e.Targets},
			{"snapshot-expires", *snapshot, &e.Snapshot}, {"timestamp-expires", *timestamp, &e.Timestamp}} {
			d, err := ParseDays(x.v)
			if err != nil {
				return e, app.Errorf(app.EInvalid, x.name, "--%s %q không hợp lệ: ví dụ 30d hoặc 36h.",
					"--%s %q is not valid: e.g. 30d or 36h", x.name, x.v)
			}
			*x.d = d
		}
		return e, nil
	}
}

func initCmd(_ context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flags("init", "tạo kho cập nhật mới trong một thư mục trống, ký phiên bản đầu của mọi vai trò.",
		"creates a new repository in an empty folder and signs every role's first version.", stdout)
	repo := fs.String("repo", "", "the repository folder (new, empty)")
	var rootKeys multi
	fs.Var(&rootKeys, "root-key", "a root key file (repeatable; the offline keys of provincial IT)")
	threshold := fs.Int("threshold", 1, "how many root keys must sign a root")
	targets := fs.String("targets-key", "", "the release key (targets role)")
	snapshot := fs.String("snapshot-key", "", "the snapshot key")
	timestamp := fs.String("timestamp-key", "", "the timestamp key")
	exp := expiryFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	for name, v := range map[string]string{"repo": *repo, "targets-key": *targets, "snapshot-key": *snapshot, "timestamp-key": *timestamp} {
		if err := need(name, v); err != nil {
			return err
		}
	}
	e, err := exp()
	if err != nil {
		return err
	}
	rk, err := ReadKeys(rootKeys)
	if err != nil {
		return err
	}
	others, err := ReadKeys([]string{*targets, *snapshot, *timestamp})
	if err != nil {
		return err
	}
	r := &Repo{Dir: *repo, Now: now, Expiry: e}
	if err := r.Init(InitOptions{RootKeys: rk, Threshold: *threshold, Targets: others[0], Snapshot: others[1], Timestamp: others[2]}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã tạo kho / repository created: %s\nGốc tin cậy cho các máy / trusted root for the PCs: %s/metadata/1.root.json\n", *repo, *repo)
	return nil
}

func addCmd(_ context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flags("add", "thêm một tệp (chương trình, danh mục thủ tục, lịch làm việc) chờ ký.",
		"stages a file (the program, a procedure catalog, a working calendar) for the next sign.", stdout)
	repo := fs.String("repo", "", "the repository folder")
	kind := fs.String("kind", "", "binary, catalog or calendar")
	version := fs.String("version", "", "binary: the program's version (catalog and calendar: read from the file)")
	goos := fs.String("os", "linux", "binary: linux or windows")
	arch := fs.String("arch", "amd64", "binary: amd64")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if err := need("repo", *repo); err != nil {
		return err
	}
	r := &Repo{Dir: *repo, Now: now}
	t, err := r.Add(fs.Arg(0), AddOptions{Kind: *kind, Version: *version, OS: *goos, Arch: *arch})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã thêm, chờ ký / staged: %s (%s %s, %d bytes, sha256 %s)\n", t.Path, t.Kind, t.Version, t.Length, t.SHA256)
	return nil
}

func signCmd(_ context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flags("sign", "ký phiên bản mới của các vai trò có khoá được đưa vào (targets → snapshot → timestamp); chỉ khoá timestamp: gia hạn timestamp.",
		"signs a new version of each role whose key is given (targets → snapshot → timestamp); the timestamp key alone renews the timestamp.", stdout)
	repo := fs.String("repo", "", "the repository folder")
	var keyFiles multi
	fs.Var(&keyFiles, "key", "a private key file (repeatable)")
	exp := expiryFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := need("repo", *repo); err != nil {
		return err
	}
	e, err := exp()
	if err != nil {
		return err
	}
	ks, err := ReadKeys(keyFiles)
	if err != nil {
		return err
	}
	r := &Repo{Dir: *repo, Now: now, Expiry: e}
	if err := r.Sign(ks); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã ký / signed: %s\n", *repo)
	return nil
}

func verifyCmd(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flags("verify", "kiểm tra kho (thư mục hoặc máy chủ tỉnh) từ gốc tin cậy như máy của xã, và một tệp đã tải nếu có.",
		"checks a repository (a folder or a hub) from the trusted root as a PC does, and a downloaded file if given.", stdout)
	repo := fs.String("repo", "", "the repository folder")
	hub := fs.String("hub", "", "or the hub's URL")
	rootFile := fs.String("root", "", "the trusted root.json (as the PCs have it)")
	state := fs.String("state", "", "a folder remembering what was seen (later checks refuse older versions)")
	target := fs.String("target", "", "a target path, e.g. bin/linux-amd64/xaso")
	file := fs.String("file", "", "a downloaded file to check against --target")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := need("root", *rootFile); err != nil {
		return err
	}
	if (*repo == "") == (*hub == "") {
		return app.Errorf(app.EInvalid, "repo", "Cần đúng một trong --repo hoặc --hub.", "give exactly one of --repo or --hub")
	}
	root, err := os.ReadFile(*rootFile)
	if err != nil {
		return app.Errorf(app.EInvalid, "root", "Không đọc được %s.", "cannot read %s", *rootFile).WithCause(err)
	}
	rel, err := (&Repo{Dir: *repo, Now: now}).Verify(ctx, VerifyOptions{Root: root, State: *state, Hub: *hub, Now: now})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Hợp lệ / valid: root %d, targets %d, snapshot %d, timestamp %d (hết hạn / expires %s)\n",
		rel.Root, rel.Targets, rel.Snapshot, rel.Timestamp, rel.Expires.In(app.VN()).Format(time.RFC3339))
	for _, it := range rel.Items {
		fmt.Fprintf(stdout, "  %-28s %-8s %-12s %10d  %s\n", it.Path, it.Kind, it.Version, it.Length, it.SHA256)
	}
	if *file != "" || *target != "" {
		if err := need("target", *target); err != nil {
			return err
		}
		if err := need("file", *file); err != nil {
			return err
		}
		if err := CheckFile(rel, *target, *file); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Tệp khớp chữ ký / file matches: %s = %s\n", *file, *target)
	}
	return nil
}

func rotateCmd(_ context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flags("rotate", "thay khoá OLD bằng NEW trong một vai trò, ký gốc mới bằng các khoá gốc (đủ ngưỡng cũ, và mới nếu thay khoá gốc); sau đó ký lại bằng khoá mới.",
		"replaces key OLD with NEW in a role and signs the next root with the root keys (the old threshold, and the new one when the root changes); then sign with the new key.", stdout)
	repo := fs.String("repo", "", "the repository folder")
	role := fs.String("role", "", "root, targets, snapshot or timestamp")
	oldF := fs.String("old", "", "the key to replace (private or .pub)")
	newF := fs.String("new", "", "the new key (private or .pub)")
	var rootKeys multi
	fs.Var(&rootKeys, "root-key", "a root private key file that signs the new root (repeatable)")
	exp := expiryFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	for name, v := range map[string]string{"repo": *repo, "role": *role, "old": *oldF, "new": *newF} {
		if err := need(name, v); err != nil {
			return err
		}
	}
	e, err := exp()
	if err != nil {
		return err
	}
	ks, err := ReadKeys([]string{*oldF, *newF})
	if err != nil {
		return err
	}
	rk, err := ReadKeys(rootKeys)
	if err != nil {
		return err
	}
	r := &Repo{Dir: *repo, Now: now, Expiry: e}
	if err := r.Rotate(*role, ks[0], ks[1], rk); err != nil {
		return err
	}
	root, err := r.Root()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã thay khoá / key replaced: %s; root version %d\n", *role, root.Signed.Version)
	return nil
}

func publishCmd(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flags("publish", "đưa kho đã ký lên máy chủ tỉnh (đăng nhập tài khoản tỉnh; mật khẩu trong XASO_HUB_PASSWORD).",
		"uploads the signed repository to the hub (an IT sign-in; the password in XASO_HUB_PASSWORD).", stdout)
	repo := fs.String("repo", "", "the repository folder")
	hub := fs.String("hub", "", "the hub's URL, e.g. https://hub.ninhbinh.gov.vn")
	user := fs.String("user", "admin", "the hub account")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	for name, v := range map[string]string{"repo": *repo, "hub": *hub} {
		if err := need(name, v); err != nil {
			return err
		}
	}
	return (&Repo{Dir: *repo, Now: now}).Publish(ctx, *hub, *user, os.Getenv("XASO_HUB_PASSWORD"), stdout)
}
