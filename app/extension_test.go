package app_test

import (
	"context"
	"testing"

	"xaso/app"
)

// Statutory extensions (issue 12, point 3), from the catalog:
//   - change/correction (1.004859): 3 working days + up to 3 with verification
//     (Law on Civil Status 2014 art. 28(2));
//   - parentage (1.001022): 3 + up to 5 (art. 25(2));
//   - marriage (1.000894): at once, up to 5 working days with verification (art. 18(2));
//   - marital-status confirmation (1.004873): 3, up to 23 with verification (Decree 123/2015 art. 22);
//   - certified copies (2.000815): the same day, longer for many pages or by
//     written agreement (Decree 23/2015 art. 21).
//
// Times count working hours from the next opening (Monday 08:00 + 3 working
// days is Thursday 08:00); for a same-day procedure the bound is the whole time.
func TestExtensionAtReceipt(t *testing.T) {
	for _, tc := range []struct {
		name, procedure string
		ext             app.ExtensionInput
		wantDue         string // received Monday 2/3/2026 08:00
		wantCode        string // error code, "" for none
	}{
		{"correction + 3 days", "1.004859", app.ExtensionInput{Hours: 24, Reason: "Cần xác minh"}, "2026-03-10 08:00", ""},
		{"correction + 5 days is beyond the law", "1.004859", app.ExtensionInput{Hours: 40, Reason: "Cần xác minh"}, "", app.EInvalid},
		{"parentage + 5 days", "1.001022", app.ExtensionInput{Hours: 40, Reason: "Cần xác minh"}, "2026-03-12 08:00", ""},
		{"marriage up to 5 days in all", "1.000894", app.ExtensionInput{Hours: 40, Reason: "Cần xác minh"}, "2026-03-09 08:00", ""},
		{"marital status up to 23 days", "1.004873", app.ExtensionInput{Hours: 160, Reason: "Xác minh nơi cư trú trước đây"}, "2026-04-02 08:00", ""},
		{"certified copies: the day + 2 days", "2.000815", app.ExtensionInput{Hours: 24, Reason: "Bản chính 120 trang"}, "2026-03-05 08:00", ""},
		{"certified copies longer by written agreement", "2.000815",
			app.ExtensionInput{Hours: 40, Reason: "Bản chính 600 trang", Agreement: true}, "2026-03-09 08:00", ""},
		{"certified copies longer without an agreement", "2.000815", app.ExtensionInput{Hours: 40, Reason: "Nhiều trang"}, "", app.EInvalid},
		{"birth has no extension", "1.001193", app.ExtensionInput{Hours: 8, Reason: "x"}, "", app.EInvalid},
		{"a reason is required", "1.004859", app.ExtensionInput{Hours: 8}, "", app.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, at("2026-03-02 08:00"))
			ext := tc.ext
			d, err := f.svc.Receive(context.Background(), f.users[app.RoleReceiver],
				app.ReceiveInput{ProcedureCode: tc.procedure, Applicant: applicant(), Extension: &ext}, "")
			if tc.wantCode != "" {
				if app.ErrorCode(err) != tc.wantCode {
					t.Fatalf("error %v, want code %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := at(tc.wantDue); !d.DueAt.Equal(want) || !d.Appointment().Equal(want) {
				t.Errorf("due %s, want %s", d.DueAt.Format("2006-01-02 15:04"), tc.wantDue)
			}
			if d.ExtensionHours != tc.ext.Hours || d.History[0].ExtensionHours != tc.ext.Hours {
				t.Errorf("extension not kept: %d, history %+v", d.ExtensionHours, d.History[0])
			}
		})
	}
}

// When verification starts during processing: a new due date within the
// bound, kept in the history, once; it is an appointment, not an apology, so
// a result by the new date is on time; a supplement restarts the extended period.
func TestExtendWhenVerificationStarts(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00")) // Monday
	ctx := context.Background()
	d := f.receive("1.004859") // due Thursday 5/3 08:00
	d, _ = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward})
	v := f.svc.View(f.users[app.RoleSpecialist], d)
	if !contains(v.AllowedActions, app.ActExtend) {
		t.Fatalf("extend not offered: %v", v.AllowedActions)
	}
	f.advance(26 * 60 * 60 * 1e9) // Tuesday 10:00
	for _, tc := range []struct {
		name     string
		ext      *app.ExtensionInput
		wantCode string
	}{
		{"beyond the bound", &app.ExtensionInput{Hours: 32, Reason: "Cần xác minh"}, app.EInvalid},
		{"without a choice", nil, app.EInvalid},
		{"within the bound", &app.ExtensionInput{Hours: 16, Reason: "Cần xác minh tại nơi đăng ký khai sinh"}, ""},
		{"a second time", &app.ExtensionInput{Hours: 8, Reason: "Thêm"}, app.ETransition},
	} {
		got, err := f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActExtend, Extension: tc.ext})
		if app.ErrorCode(err) != tc.wantCode && !(tc.wantCode == "" && err == nil) {
			t.Fatalf("%s: error %v, want %q", tc.name, err, tc.wantCode)
		}
		if err == nil {
			d = got
		}
	}
	if want := at("2026-03-09 08:00"); !d.DueAt.Equal(want) || !d.Appointment().Equal(want) {
		t.Fatalf("due %v, want %v", d.DueAt, want)
	}
	ev := d.History[len(d.History)-1]
	if ev.Action != app.ActExtend || ev.ExtensionHours != 16 || !ev.DueAt.Equal(d.DueAt) || ev.To != app.StatusProcessing {
		t.Fatalf("history row %+v", ev)
	}
	f.advance(4 * 24 * 60 * 60 * 1e9) // Saturday: a result on Friday 6/3 would be on time; resolve Monday 9/3 07:30
	f.advance(2*24*60*60*1e9 - 150*60*1e9)
	d, err := f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActResolve})
	if err != nil {
		t.Fatal(err)
	}
	if tm, _ := d.ResultTiming(); tm != app.TimingOnTime {
		t.Fatalf("a result within the statutory extension is %q, want on time", tm)
	}
}

// The restarted period after a supplement includes the extension chosen.
func TestSupplementRestartKeepsExtension(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	ctx := context.Background()
	d, err := f.svc.Receive(ctx, f.users[app.RoleReceiver], app.ReceiveInput{ProcedureCode: "1.004859", Applicant: applicant(),
		Extension: &app.ExtensionInput{Hours: 24, Reason: "Cần xác minh"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	d, _ = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward})
	d, _ = f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActRequestSupplement, Note: "Thiếu giấy tờ"})
	f.advance(25 * 60 * 60 * 1e9) // Tuesday 09:00
	d, err = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActSupplement})
	if err != nil {
		t.Fatal(err)
	}
	if want := at("2026-03-11 09:00"); !d.DueAt.Equal(want) { // 6 working days from Tuesday 09:00
		t.Fatalf("due %v, want %v", d.DueAt, want)
	}
}

func contains(as []app.Action, a app.Action) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func TestExtensionNote(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	d, err := f.svc.Receive(context.Background(), f.users[app.RoleReceiver], app.ReceiveInput{ProcedureCode: "1.004859",
		Applicant: applicant(), Extension: &app.ExtensionInput{Hours: 20, Reason: "Cần xác minh"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Kéo dài thời hạn 2,5 ngày làm việc theo quy định: Cần xác minh"; d.History[0].Note != want {
		t.Fatalf("note %q, want %q", d.History[0].Note, want)
	}
}
