package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"xaso/app"
	"xaso/sync/update"
)

// AddOptions names what a file is.
type AddOptions struct {
	Kind    string // update.KindBinary, KindCatalog, KindCalendar
	Version string // binary: the program's version (required); data: read from the file
	OS      string // binary: linux or windows
	Arch    string // binary: amd64
}

// The platforms a binary may be released for.
var platforms = map[string]bool{"linux/amd64": true, "windows/amd64": true}

// Add copies file into the repository under its hash and stages it for
// the next Sign. A catalog or calendar is checked by the same rules the
// PCs apply (a file they would refuse is refused here); its version comes
// from the file.
func (r *Repo) Add(file string, o AddOptions) (update.Target, error) {
	if _, err := r.Root(); err != nil {
		return update.Target{}, err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return update.Target{}, app.Errorf(app.EInvalid, "file", "Không đọc được tệp %s.", "cannot read %s", file).WithCause(err)
	}
	t := update.Target{Length: int64(len(b)), Custom: update.Custom{Kind: o.Kind, Version: o.Version}}
	sum := sha256.Sum256(b)
	t.SHA256 = hex.EncodeToString(sum[:])
	switch o.Kind {
	case update.KindBinary:
		if !platforms[o.OS+"/"+o.Arch] {
			return t, app.Errorf(app.EInvalid, "os", "Nền tảng %s/%s không hỗ trợ: linux/amd64 hoặc windows/amd64.",
				"platform %s/%s is not supported: linux/amd64 or windows/amd64", o.OS, o.Arch)
		}
		if o.Version == "" {
			return t, app.Errorf(app.EInvalid, "version", "Cần ghi phiên bản của chương trình (--version).", "give the program's --version")
		}
		t.OS, t.Arch = o.OS, o.Arch
		t.Path = update.BinaryPath(o.OS, o.Arch)
	case update.KindCatalog:
		var c app.Catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return t, app.Errorf(app.EInvalid, "file", "Tệp danh mục %s không đọc được (JSON).", "catalog file %s does not decode (JSON)", file).WithCause(err)
		}
		if _, err := app.NewCatalogPublish("", "release", "release", 1, c); err != nil {
			return t, err
		}
		t.Version, t.Path = c.Version, "catalog/"+c.Version+".json"
	case update.KindCalendar:
		var y app.CalendarBody
		if err := json.Unmarshal(b, &y); err != nil {
			return t, app.Errorf(app.EInvalid, "file", "Tệp lịch %s không đọc được (JSON).", "calendar file %s does not decode (JSON)", file).WithCause(err)
		}
		if _, err := app.NewCalendarPublish("", "release", "release", 1, y); err != nil {
			return t, err
		}
		t.Version, t.Path = strconv.Itoa(y.Version), fmt.Sprintf("calendar/%04d.json", y.Year)
	default:
		return t, app.Errorf(app.EInvalid, "kind", "Loại %q không có: binary, catalog hoặc calendar.",
			"no kind %q: binary, catalog or calendar", o.Kind)
	}
	dst := filepath.Join(r.Dir, "targets", filepath.FromSlash(path.Dir(t.Path)), t.SHA256+"."+path.Base(t.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return t, err
	}
	if err := update.WriteFileSync(dst, b); err != nil {
		return t, err
	}
	staged, err := r.staged()
	if err != nil {
		return t, err
	}
	out := staged[:0]
	for _, s := range staged {
		if s.Path != t.Path {
			out = append(out, s)
		}
	}
	raw, err := json.MarshalIndent(append(out, t), "", "  ")
	if err != nil {
		return t, err
	}
	return t, update.WriteFileSync(filepath.Join(r.Dir, stagedFile), raw)
}

func hexBytes(s string) ([]byte, error) { return hex.DecodeString(s) }
