package app_test

import (
	"context"
	"testing"

	"xaso/app"
)

// Smaller points of issue 12, point 7, at the service:
//   - a refusal slip may be issued after appraisal, not only at intake
//     (Decree 61/2018 art. 19(8));
//   - every hand-over inside processing (specialist → leader) is a row of the
//     control slip, form 06 (Circular 01/2018 form 05/06);
//   - form 01 records whether each paper is an original or a copy.
func TestProcessingSteps(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		steps func(f *fixture, d app.Dossier) (app.Dossier, error)
		check func(t *testing.T, d app.Dossier, err error)
	}{
		{"refusal after appraisal", func(f *fixture, d app.Dossier) (app.Dossier, error) {
			d, _ = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward, Assignee: "u.specialist"})
			return f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActRefuse,
				Note: "Người yêu cầu không thuộc thẩm quyền giải quyết của xã"})
		}, func(t *testing.T, d app.Dossier, err error) {
			if err != nil || d.Status != app.StatusRefused || d.ClosedAt.IsZero() {
				t.Fatalf("refused after appraisal: %v, %s", err, d.Status)
			}
			if ev := d.History[len(d.History)-1]; ev.From != app.StatusProcessing || ev.By != "u.specialist" {
				t.Fatalf("history row %+v", ev)
			}
		}},
		{"hand-over specialist → leader", func(f *fixture, d app.Dossier) (app.Dossier, error) {
			d, _ = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward, Assignee: "u.specialist"})
			return f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActHandOver,
				Assignee: "u.leader", Note: "Trình ký"})
		}, func(t *testing.T, d app.Dossier, err error) {
			if err != nil || d.Status != app.StatusProcessing || d.Holder != "u.leader" {
				t.Fatalf("hand-over: %v, status %s holder %s", err, d.Status, d.Holder)
			}
			fw, ho := d.History[1], d.History[2]
			if fw.Holder != "u.specialist" || ho.Action != app.ActHandOver || ho.By != "u.specialist" || ho.Holder != "u.leader" {
				t.Fatalf("hand-overs not recorded: %+v / %+v", fw, ho)
			}
		}},
		{"hand-over needs someone to take it", func(f *fixture, d app.Dossier) (app.Dossier, error) {
			d, _ = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward})
			return f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActHandOver})
		}, func(t *testing.T, d app.Dossier, err error) {
			if e := app.AsError(err); e.Code != app.EInvalid || e.Field != "assignee" {
				t.Fatalf("got %v, want invalid assignee", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, at("2026-03-02 08:00"))
			d, err := tc.steps(f, f.receive("1.004873"))
			tc.check(t, d, err)
		})
	}
}

func TestDocumentForms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		docs  []app.Document
		field string // "" for accepted
	}{
		{"original and certified copy", []app.Document{{Name: "Tờ khai", Copies: 1, Form: app.DocOriginal},
			{Name: "Giấy tờ chứng minh nơi cư trú", Copies: 2, Form: app.DocCertifiedCopy}}, ""},
		{"not said", []app.Document{{Name: "Tờ khai", Copies: 1}}, ""},
		{"unknown form", []app.Document{{Name: "Tờ khai", Copies: 1, Form: "photo"}}, "documents.0.form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, at("2026-03-02 08:00"))
			d, err := f.svc.Receive(context.Background(), f.users[app.RoleReceiver],
				app.ReceiveInput{ProcedureCode: "1.004873", Applicant: applicant(), Documents: tc.docs}, "")
			if tc.field != "" {
				if e := app.AsError(err); e.Code != app.EInvalid || e.Field != tc.field {
					t.Fatalf("got %v, want invalid %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, doc := range d.Documents {
				if doc.Form != tc.docs[i].Form {
					t.Errorf("document %d form %q, want %q", i, doc.Form, tc.docs[i].Form)
				}
			}
		})
	}
}
