package app

import (
	"context"
	"strings"
	"time"
)

// Who may act on a dossier being processed: the official who
// holds it. A leader may act on any dossier, and gives a dossier to another
// official with the reassign action, which the history records.

// mayAct refuses a processing action by a specialist who does not hold the
// dossier. The desk's actions (a receiver's paid, supplement, return …)
// are not a holder's: any receiver takes them.
func mayAct(p Principal, d Dossier, a Action) error {
	if d.Holder == "" || d.Holder == p.Username || p.Has(RoleLeader) {
		return nil
	}
	switch a {
	case ActRequestSupplement, ActRequestPayment, ActResolve:
	case ActPaid:
		if p.Has(RoleReceiver) {
			return nil
		}
	default:
		return nil
	}
	return Errorf(EForbidden, "", "Hồ sơ này đang do %s xử lý; chỉ người đó hoặc lãnh đạo (giao lại hồ sơ) được thao tác.",
		"this dossier is held by %s: only they, or a leader reassigning it, may act on it", d.Holder)
}

// reassign gives an open dossier to another specialist or leader.
func (s *Service) reassign(ctx context.Context, p Principal, d Dossier, in ActInput) (Dossier, error) {
	if d.Status.Terminal() || d.Status == StatusSubmitted || d.Status == StatusReceived {
		return Dossier{}, Errorf(ETransition, "action", "Chỉ giao lại được hồ sơ đang xử lý (trạng thái hiện tại: “%s”).",
			"only a dossier being processed can be reassigned (it is %s)", statusVi(d.Status))
	}
	u, err := s.cfg.Reader.User(strings.TrimSpace(in.Assignee))
	if err != nil || !u.CanHold() {
		return Dossier{}, Errorf(EInvalid, "assignee", "Người được giao hồ sơ phải là chuyên viên hoặc lãnh đạo đang làm việc (tài khoản không bị khóa).",
			"the assignee must be a specialist or leader whose account is not disabled")
	}
	if u.Username == d.Holder {
		return Dossier{}, Errorf(EInvalid, "assignee", "Hồ sơ đã do người này xử lý.", "the dossier is already held by this official")
	}
	c, err := s.commandAfter(d.LastAt, KindDossierAct, p.Username, &ActBody{DossierID: d.ID, Action: ActReassign,
		Note: strings.TrimSpace(in.Note), Holder: u.Username})
	if err != nil {
		return Dossier{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return Dossier{}, err
	}
	return s.cfg.Reader.Dossier(d.ID)
}

// applyReassign folds a reassignment: the holder changes, the status does
// not, and the history says who gave it to whom.
func (d *Dossier) applyReassign(c Command, b *ActBody, at time.Time) {
	if d.Status.Terminal() || b.Holder == "" {
		d.conflict(c, b.Action, at, "reassign_not_open")
		return
	}
	note := d.Holder + " → " + b.Holder
	if b.Note != "" {
		note += ". " + b.Note
	}
	d.History = append(d.History, Event{Action: ActReassign, From: d.Status, To: d.Status, At: at, By: c.Actor,
		Note: note, ID: c.ID})
	d.Holder = b.Holder
}
