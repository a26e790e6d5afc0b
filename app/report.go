package app

import (
	"sort"
	"time"
)

// Period is a report period: the whole days [From, To) in Asia/Ho_Chi_Minh.
type Period struct {
	From time.Time // 00:00 of the first day
	To   time.Time // 00:00 of the day after the last
}

// MaxPeriodDays bounds a report: five years.
const MaxPeriodDays = 5*366 + 1

// ParsePeriod reads a period from its first and last day, YYYY-MM-DD, both included.
func ParsePeriod(from, to string) (Period, error) {
	f, err := time.ParseInLocation("2006-01-02", from, vnZone)
	if err != nil {
		return Period{}, Errorf(EInvalid, "from", "Ngày bắt đầu kỳ báo cáo không hợp lệ (định dạng năm-tháng-ngày, ví dụ 2026-01-01).",
			"from must be a YYYY-MM-DD date (e.g. 2026-01-01)")
	}
	t, err := time.ParseInLocation("2006-01-02", to, vnZone)
	if err != nil {
		return Period{}, Errorf(EInvalid, "to", "Ngày kết thúc kỳ báo cáo không hợp lệ (định dạng năm-tháng-ngày, ví dụ 2026-03-31).",
			"to must be a YYYY-MM-DD date (e.g. 2026-03-31)")
	}
	if t.Before(f) {
		return Period{}, Errorf(EInvalid, "to", "Ngày kết thúc kỳ báo cáo phải từ ngày bắt đầu trở đi.", "to must not be before from")
	}
	p := Period{From: f, To: t.AddDate(0, 0, 1)}
	if p.To.Sub(p.From) > MaxPeriodDays*24*time.Hour {
		return Period{}, Errorf(EInvalid, "to", "Kỳ báo cáo tối đa 5 năm.", "a report period is at most 5 years")
	}
	return p, nil
}

// Last is the last day of the period.
func (p Period) Last() time.Time { return p.To.AddDate(0, 0, -1) }

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// ReceivedCounts is the "received" block: dossiers carried over from before
// the period (accepted earlier, not yet processed when it began) and accepted
// in it, the new ones split by channel.
type ReceivedCounts struct {
	CarriedOver int             `json:"carried_over"`
	New         int             `json:"new"`
	ByChannel   map[Channel]int `json:"by_channel"`
	Total       int             `json:"total"`
}

// ProcessedCounts are the dossiers whose result was ready in the period,
// against the due date in force then.
type ProcessedCounts struct {
	Early  int `json:"early"`
	OnTime int `json:"on_time"`
	Late   int `json:"late"`
	Total  int `json:"total"`
}

// InProgressCounts are the dossiers being worked on at the report's "as of"
// time (received or processing), split by whether their due date has passed.
type InProgressCounts struct {
	WithinDeadline int `json:"within_deadline"`
	Overdue        int `json:"overdue"`
	Total          int `json:"total"`
}

// PausedCounts are the dossiers waiting at "as of" for the citizen's
// supplement or payment, and those stopped during the period.
type PausedCounts struct {
	Supplement int `json:"supplement"`
	Payment    int `json:"payment"`
	Stopped    int `json:"stopped"`
}

// ProgressCounts is one row of the progress report. Its blocks balance:
// received.total = processed.total + in_progress.total + paused (all three)
// + withdrawn.
type ProgressCounts struct {
	Received   ReceivedCounts   `json:"received"`
	Processed  ProcessedCounts  `json:"processed"`
	InProgress InProgressCounts `json:"in_progress"`
	Paused     PausedCounts     `json:"paused"`
	Withdrawn  int              `json:"withdrawn"` // withdrawn by the citizen in the period, before a result
}

// SatisfactionCounts are the ratings of dossiers returned in the period.
type SatisfactionCounts struct {
	VerySatisfied int `json:"very_satisfied"`
	Satisfied     int `json:"satisfied"`
	Dissatisfied  int `json:"dissatisfied"`
	Rated         int `json:"rated"`
	Returned      int `json:"returned"`
}

// DigitisedCounts are the new dossiers of the period with scanned documents.
type DigitisedCounts struct {
	Dossiers int     `json:"dossiers"`
	Files    int     `json:"files"`
	Rate     float64 `json:"rate"` // dossiers / received.new; 0 when nothing is new
}

// ProcedureProgress is the report row of one procedure.
type ProcedureProgress struct {
	Code string `json:"code"`
	Name string `json:"name"`
	ProgressCounts
}

// ProgressReport is the Decision 766-style progress report of a period. It
// describes the state as of the end of the period (or now, for a period
// still running): AsOf. Definitions, for a dossier accepted at A (received
// at the desk, or an online one taken in), with result ready at R, stopped
// or withdrawn at X, period [From, To):
//   - out of scope: A ≥ AsOf, or R or X before From (done before the period);
//   - carried over: A < From; new: From ≤ A < AsOf (split by channel);
//   - processed: From ≤ R < AsOf, early when R's date is before the due
//     date's, late when R is after the due time, else on time;
//   - stopped / withdrawn: From ≤ X < AsOf without a result first;
//   - otherwise open at AsOf: paused (supplement, payment) by its status
//     then, else in progress, overdue when its due time is before AsOf.
type ProgressReport struct {
	From         string              `json:"from"` // first day, YYYY-MM-DD
	To           string              `json:"to"`   // last day, YYYY-MM-DD
	AsOf         time.Time           `json:"as_of"`
	OnTimeRate   float64             `json:"on_time_rate"` // (early + on time) / processed; 1 when none
	OnlineRate   float64             `json:"online_rate"`  // online / new; 0 when nothing is new
	Satisfaction SatisfactionCounts  `json:"satisfaction"`
	Digitised    DigitisedCounts     `json:"digitised"`
	ByProcedure  []ProcedureProgress `json:"by_procedure"`
	ProgressCounts
}

// ProgressBuilder computes a progress report from dossiers given one by one
// in any order; it is pure: it reads no clock and no storage.
type ProgressBuilder struct {
	period Period
	asOf   time.Time
	cut    time.Time // events before it count: AsOf, or just after now for a running period
	rep    ProgressReport
	procs  map[string]*ProcedureProgress
}

// NewProgress starts a report on p computed at now.
func NewProgress(p Period, now time.Time) *ProgressBuilder {
	asOf := p.To
	if now.Before(asOf) {
		asOf = now
	}
	b := &ProgressBuilder{period: p, asOf: asOf.In(vnZone), cut: asOf, procs: map[string]*ProcedureProgress{}}
	if asOf.Before(p.To) {
		b.cut = asOf.Add(time.Millisecond) // what happened at now (the clock's resolution) has happened
	}
	b.rep.From, b.rep.To = p.From.Format("2006-01-02"), p.Last().Format("2006-01-02")
	b.rep.AsOf = b.asOf
	b.rep.Received.ByChannel = newByChannel()
	return b
}

func newByChannel() map[Channel]int {
	return map[Channel]int{ChannelInPerson: 0, ChannelOnline: 0, ChannelPost: 0}
}

// lifeline is a dossier's history replayed up to a time.
type lifeline struct {
	accepted, resolved, stopped, withdrawn, returned time.Time
	refused                                          time.Time // refused after appraisal (art. 19(8)), once accepted
	forwarded                                        time.Time // the first hand-over for processing
	dueAtResolve                                     time.Time // the appointment when the result was ready
	status                                           Status
	due                                              time.Time // the appointment (Appointment: not an apology's date)
}

func lifelineOf(d *Dossier, until time.Time) lifeline {
	var l lifeline
	for _, e := range d.History {
		if !e.At.Before(until) {
			continue
		}
		if appoints(e) {
			l.due = e.DueAt // an apologised dossier is judged against its appointment (art. 19(9))
		}
		l.status = e.To
		if e.To == StatusReceived && (e.From == "" || e.From == StatusSubmitted) && l.accepted.IsZero() {
			l.accepted = e.At
		}
		switch e.Action {
		case ActForward:
			if l.forwarded.IsZero() {
				l.forwarded = e.At
			}
		case ActResolve:
			if l.resolved.IsZero() {
				l.resolved, l.dueAtResolve = e.At, l.due
			}
		case ActStop:
			l.stopped = e.At
		case ActRefuse:
			if !l.accepted.IsZero() {
				l.refused = e.At
			}
		case ActWithdraw:
			l.withdrawn = e.At
		case ActReturn:
			l.returned = e.At
		}
	}
	return l
}

func (b *ProgressBuilder) within(t time.Time) bool {
	return !t.IsZero() && !t.Before(b.period.From) && t.Before(b.cut)
}

func before(t, limit time.Time) bool { return !t.IsZero() && t.Before(limit) }

// Add counts one dossier. A dossier out of the period's scope changes nothing.
func (b *ProgressBuilder) Add(d Dossier) {
	l := lifelineOf(&d, b.cut)
	if b.within(l.returned) {
		s := &b.rep.Satisfaction
		s.Returned++
		if d.Rating != nil && d.Rating.At.Before(b.cut) {
			s.Rated++
			switch d.Rating.Value {
			case VerySatisfied:
				s.VerySatisfied++
			case Satisfied:
				s.Satisfied++
			case Dissatisfied:
				s.Dissatisfied++
			}
		}
	}
	if l.accepted.IsZero() {
		return // never taken in (still submitted online, or refused) by AsOf
	}
	from := b.period.From
	if before(l.resolved, from) || before(l.stopped, from) || before(l.withdrawn, from) || before(l.refused, from) {
		return // done before the period began
	}
	proc := b.procs[d.Procedure.Code]
	if proc == nil {
		proc = &ProcedureProgress{Code: d.Procedure.Code, Name: d.Procedure.Name}
		proc.Received.ByChannel = newByChannel()
		b.procs[d.Procedure.Code] = proc
	}
	isNew := !l.accepted.Before(from)
	if isNew {
		files := 0
		for _, a := range d.Attachments {
			if a.At.Before(b.cut) {
				files++
			}
		}
		if files > 0 {
			b.rep.Digitised.Dossiers++
			b.rep.Digitised.Files += files
		}
	}
	for _, c := range []*ProgressCounts{&b.rep.ProgressCounts, &proc.ProgressCounts} {
		count(c, &d, l, isNew, b.within, b.asOf)
	}
}

func count(c *ProgressCounts, d *Dossier, l lifeline, isNew bool, within func(time.Time) bool, asOf time.Time) {
	if isNew {
		c.Received.New++
		ch := d.Channel
		if ch == "" {
			ch = ChannelInPerson
		}
		c.Received.ByChannel[ch]++
	} else {
		c.Received.CarriedOver++
	}
	c.Received.Total++
	switch {
	case within(l.resolved):
		switch TimingOf(l.resolved, l.dueAtResolve) {
		case TimingEarly:
			c.Processed.Early++
		case TimingLate:
			c.Processed.Late++
		default:
			c.Processed.OnTime++
		}
		c.Processed.Total++
	case within(l.stopped), within(l.refused):
		c.Paused.Stopped++ // a refusal after appraisal ends processing like a stop
	case within(l.withdrawn):
		c.Withdrawn++
	case l.status == StatusSupplementRequested:
		c.Paused.Supplement++
	case l.status == StatusPaymentRequested:
		c.Paused.Payment++
	default:
		if !l.due.IsZero() && l.due.Before(asOf) {
			c.InProgress.Overdue++
		} else {
			c.InProgress.WithinDeadline++
		}
		c.InProgress.Total++
	}
}

// Report returns the report of every dossier added.
func (b *ProgressBuilder) Report() ProgressReport {
	rep := b.rep
	rep.OnTimeRate = 1
	if n := rep.Processed.Total; n > 0 {
		rep.OnTimeRate = float64(rep.Processed.Early+rep.Processed.OnTime) / float64(n)
	}
	if n := rep.Received.New; n > 0 {
		rep.OnlineRate = float64(rep.Received.ByChannel[ChannelOnline]) / float64(n)
		rep.Digitised.Rate = float64(rep.Digitised.Dossiers) / float64(n)
	}
	rep.ByProcedure = make([]ProcedureProgress, 0, len(b.procs))
	for _, p := range b.procs {
		rep.ByProcedure = append(rep.ByProcedure, *p)
	}
	sort.Slice(rep.ByProcedure, func(i, j int) bool { return rep.ByProcedure[i].Code < rep.ByProcedure[j].Code })
	return rep
}

// PeriodReader walks the dossiers a report on [from, to) may count (the
// store implements it; see store.DossiersForPeriod).
type PeriodReader interface {
	DossiersForPeriod(from, to time.Time, fn func(Dossier) error) error
}

func (s *Service) periodReader() (PeriodReader, error) {
	pr, ok := s.cfg.Reader.(PeriodReader)
	if !ok {
		return nil, Errorf(EUnavailable, "", "Máy này chưa hỗ trợ lập báo cáo.", "reports are not available on this node")
	}
	return pr, nil
}

func (s *Service) checkPeriod(per Period) error {
	if per.From.After(s.Now()) {
		return Errorf(EInvalid, "from", "Kỳ báo cáo chưa bắt đầu.", "the report period has not started yet")
	}
	return nil
}

// ProgressReport computes the progress report of a period. Every signed-in
// official may read it.
func (s *Service) ProgressReport(p Principal, per Period) (ProgressReport, error) {
	if err := s.checkPeriod(per); err != nil {
		return ProgressReport{}, err
	}
	pr, err := s.periodReader()
	if err != nil {
		return ProgressReport{}, err
	}
	b := NewProgress(per, s.Now())
	if err := pr.DossiersForPeriod(per.From, per.To, func(d Dossier) error { b.Add(d); return nil }); err != nil {
		return ProgressReport{}, Internal(err)
	}
	return b.Report(), nil
}
