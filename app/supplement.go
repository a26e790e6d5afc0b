package app

import (
	"fmt"
	"time"
)

// SupplementRule says how the deadline runs when a dossier must be
// completed. It lives in the catalog version, so a later decree can change
// it without a change of code; a dossier follows the version it was
// received under.
type SupplementRule struct {
	// Restart: the full statutory period restarts from the day the complete
	// dossier is received. false: the clock stands still while the citizen
	// completes the file, and the due date moves by the time it stood.
	Restart bool `json:"restart"`
	// RequestWithinHours is the working time after receipt within which the
	// request to supplement must be sent (8 h = one working day); later
	// requests are taken but carry a warning. 0: no limit.
	RequestWithinHours int    `json:"request_within_hours"`
	Source             string `json:"source,omitempty"`
}

// DefaultSupplementRule is Decree 61/2018/NĐ-CP art. 19(4) as amended by
// Decree 107/2021: the request within 3 working days of receipt, and
// "thời hạn giải quyết được tính lại từ đầu sau khi nhận đủ hồ sơ".
func DefaultSupplementRule() SupplementRule {
	return SupplementRule{Restart: true, RequestWithinHours: 3 * 8,
		Source: "Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP), điều 19 khoản 4"}
}

func (r SupplementRule) check() error {
	if r.RequestWithinHours < 0 || r.RequestWithinHours > 30*8 {
		return fmt.Errorf("request_within_hours %d: want 0 to %d", r.RequestWithinHours, 30*8)
	}
	return nil
}

// WarnSupplementLate marks (in the history) a request to supplement sent
// later than the rule allows.
const WarnSupplementLate = "supplement_request_late"

// supplementRule returns the rule of the catalog version d was received
// under; the default if this node does not hold that version.
func (s *Service) supplementRule(d Dossier) SupplementRule {
	if c, ok := s.catalogs().Version(d.Procedure.Version); ok && c.Supplement != nil {
		return *c.Supplement
	}
	return DefaultSupplementRule()
}

// supplementDue is the due date when the complete dossier comes back at now.
func (s *Service) supplementDue(d Dossier, now time.Time) time.Time {
	if s.supplementRule(d).Restart {
		return s.dueWith(now, d.Procedure.Rule, d.ExtensionHours) // the full period, with its extension
	}
	paused := s.calendar().WorkingBetween(d.PausedAt, now)
	return s.calendar().AddWorking(d.DueAt, paused)
}

// supplementWarning is WarnSupplementLate when a request at now comes after
// the working time the rule allows from receipt, else "".
func (s *Service) supplementWarning(d Dossier, now time.Time) string {
	r := s.supplementRule(d)
	if r.RequestWithinHours == 0 {
		return ""
	}
	if s.calendar().WorkingBetween(d.ReceivedAt, now) > time.Duration(r.RequestWithinHours)*time.Hour {
		return WarnSupplementLate
	}
	return ""
}
