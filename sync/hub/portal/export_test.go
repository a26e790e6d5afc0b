package portal_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"xaso/app"
	"xaso/sync/hub/portal"
)

func vn(day, hour, minute int) time.Time {
	return time.Date(2026, 12, day, hour, minute, 0, 0, app.VN())
}

// step is one command of a fixture dossier.
type step struct {
	at     time.Time
	by     string
	action app.Action // "" : the receipt
	note   string
	due    time.Time
	holder string
}

// fold builds a dossier from its commands with the domain's own fold.
func fold(t *testing.T, id, code, proc, name string, ch app.Channel, a app.Applicant, steps []step) app.Dossier {
	t.Helper()
	var d app.Dossier
	for i, s := range steps {
		var c app.Command
		var err error
		hlc := app.MakeHLC(s.at.UnixMilli(), 0)
		if s.action == "" {
			kind, slot := app.KindDossierReceive, 0
			if ch == app.ChannelOnline && code[:4] == app.ProvisionalPrefix {
				kind, slot = app.KindDossierSubmit, -1
			}
			c, err = app.NewCommand(id, kind, s.by, "n1", hlc, &app.ReceiveBody{DossierID: id, Code: code, Slot: slot, Seq: 2,
				Procedure: app.ProcedureRef{Code: proc, Name: name, Version: "2025.07-default", Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
				Channel:   ch, Applicant: a, Documents: []app.Document{{Name: "Tờ khai", Copies: 1, Form: "original"}},
				ReceivedAt: s.at, DueAt: s.due})
		} else {
			c, err = app.NewCommand(fmt.Sprintf("%s-%d", id, i), app.KindDossierAct, s.by, "n1", hlc,
				&app.ActBody{DossierID: id, Action: s.action, Note: s.note, DueAt: s.due, Holder: s.holder})
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := c.Decode()
		if err != nil {
			t.Fatal(err)
		}
		d.Apply(c, body)
	}
	if len(d.Conflicts) > 0 {
		t.Fatalf("fixture %s: conflicts %+v", id, d.Conflicts)
	}
	return d
}

var binh = app.Applicant{FullName: "Trần Thị Bình", IDNumber: "037190001234", Phone: "0912345678", Email: "binh@example.vn"}

// yenMo0002 is the fixture dossier of testdata/yenmo-0002.json: received,
// a supplement round that restarts the period, resolved and returned.
func yenMo0002(t *testing.T) app.Dossier {
	return fold(t, "d-0002", "000.00.31.H42-261201-0002", "1.004873", "Xác nhận tình trạng hôn nhân", app.ChannelInPerson, binh, []step{
		{at: vn(1, 8, 30), by: "motcua", due: vn(4, 8, 30)},
		{at: vn(1, 9, 0), by: "motcua", action: app.ActForward, holder: "chuyenvien"},
		{at: vn(1, 10, 0), by: "chuyenvien", action: app.ActRequestSupplement, note: "Thiếu bản sao CCCD"},
		{at: vn(2, 14, 0), by: "motcua", action: app.ActSupplement, due: vn(5, 14, 0)},
		{at: vn(3, 16, 0), by: "chuyenvien", action: app.ActResolve},
		{at: vn(4, 9, 15), by: "motcua", action: app.ActReturn, note: "Trả tại bộ phận một cửa"},
	})
}

// The exporter's output for the fixture commune's dossier equals the
// hand-written expected file.
func TestExportEqualsHandWritten(t *testing.T) {
	d, rows := portal.Export(yenMo0002(t), portal.Unit{Name: "UBND xã Yên Mô"})
	got, err := json.Marshal(map[string]any{"dossier": d, "progress": rows})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/yenmo-0002.json")
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("export differs from testdata/yenmo-0002.json:\n%s", got)
	}
}

func TestDateFormat(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 12, 4, 1, 2, 3, 0, time.UTC), "20261204080203"}, // shown in Asia/Ho_Chi_Minh
		{time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), "20270101030000"},
		{time.Time{}, ""},
	} {
		if got := portal.Date(c.in); got != c.want {
			t.Errorf("Date(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}
