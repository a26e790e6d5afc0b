package app

import (
	"sort"
	"time"
)

// RegisterRow is one line of the tracking register (form 07, Sổ theo dõi
// hồ sơ): a dossier from its acceptance to the return of its result.
type RegisterRow struct {
	No            int       `json:"no"`
	Code          string    `json:"code"`
	ProcedureCode string    `json:"procedure_code"`
	ProcedureName string    `json:"procedure_name"`
	Sets          int       `json:"sets"` // number of sets of papers (one per dossier at the desk)
	Applicant     string    `json:"applicant"`
	Address       string    `json:"address"`
	Phone         string    `json:"phone"`
	Channel       Channel   `json:"channel"`
	ReceivedAt    time.Time `json:"received_at"`
	DueAt         time.Time `json:"due_at"`                  // the appointment (Dossier.Appointment), never an apology's date
	RescheduledTo time.Time `json:"rescheduled_to,omitzero"` // the apology's new date (form 04), if any
	ForwardedAt   time.Time `json:"forwarded_at,omitzero"`
	ResolvedAt    time.Time `json:"resolved_at,omitzero"`
	ReturnedAt    time.Time `json:"returned_at,omitzero"`
	Status        Status    `json:"status"`
	StatusVi      string    `json:"status_vi"`
	Timing        Timing    `json:"timing,omitempty"` // early | on_time | late, once the result is ready
	Attachments   int       `json:"attachments"`
	Rating        string    `json:"rating,omitempty"` // the citizen's rating, in Vietnamese
	Note          string    `json:"note,omitempty"`
}

// RegisterRowOf describes a dossier as its register line.
func RegisterRowOf(d Dossier) RegisterRow { return registerRow(&d, wholeLife(&d)) }

// wholeLife is the dossier's whole history replayed.
func wholeLife(d *Dossier) lifeline { return lifelineOf(d, time.Unix(1<<40, 0)) }

func registerRow(d *Dossier, l lifeline) RegisterRow {
	r := RegisterRow{Code: d.Code, ProcedureCode: d.Procedure.Code, ProcedureName: d.Procedure.Name, Sets: 1,
		Applicant: d.Applicant.FullName, Address: d.Applicant.Address, Phone: d.Applicant.Phone, Channel: d.Channel,
		ReceivedAt: l.accepted, DueAt: d.Appointment(), RescheduledTo: d.Rescheduled(), ForwardedAt: l.forwarded, ResolvedAt: d.ResolvedAt, ReturnedAt: l.returned,
		Status: d.Status, StatusVi: statusVi(d.Status), Attachments: len(d.Attachments), Note: d.Note}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = d.ReceivedAt
	}
	if !l.resolved.IsZero() {
		r.Timing = TimingOf(l.resolved, l.dueAtResolve)
	}
	if d.Rating != nil {
		r.Rating = d.Rating.Value.Vi()
	}
	return r
}

// Register lists the dossiers accepted in a period, in the order they were
// accepted: the tracking register of the period. Rows are numbered
// continuously through the year of acceptance (Circular 01/2018/TT-VPCP art.
// 10(2)(c)), not per printed period: May's register goes on from April's.
func (s *Service) Register(p Principal, per Period) ([]RegisterRow, error) {
	if err := s.checkPeriod(per); err != nil {
		return nil, err
	}
	pr, err := s.periodReader()
	if err != nil {
		return nil, err
	}
	from := per.From.In(vnZone)
	yearStart := time.Date(from.Year(), 1, 1, 0, 0, 0, 0, vnZone)
	rows := []RegisterRow{}
	err = pr.DossiersForPeriod(yearStart, per.To, func(d Dossier) error {
		// A dossier is accepted once (received at the desk, or an online
		// one taken in): the whole history's acceptance is the one before
		// per.To when there is one.
		l := wholeLife(&d)
		if !l.accepted.IsZero() && !l.accepted.Before(yearStart) && l.accepted.Before(per.To) {
			rows = append(rows, registerRow(&d, l))
		}
		return nil
	})
	if err != nil {
		return nil, Internal(err)
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].ReceivedAt.Equal(rows[j].ReceivedAt) {
			return rows[i].ReceivedAt.Before(rows[j].ReceivedAt)
		}
		return rows[i].Code < rows[j].Code
	})
	no, year := 0, 0
	out := rows[:0]
	for _, r := range rows {
		if y := r.ReceivedAt.In(vnZone).Year(); y != year {
			no, year = 0, y
		}
		no++
		r.No = no
		if per.Contains(r.ReceivedAt) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Commune returns the commune's configuration, for the headers of printed forms.
func (s *Service) Commune() (CommuneConfig, error) {
	c, _, err := s.cfg.Reader.Commune()
	if err != nil {
		return CommuneConfig{}, Internal(err)
	}
	return c, nil
}

// OfficialName is an official's full name for printed forms, or the user
// name when the account is unknown here.
func (s *Service) OfficialName(username string) string {
	if u, err := s.cfg.Reader.User(username); err == nil && u.FullName != "" {
		return u.FullName
	}
	return username
}
