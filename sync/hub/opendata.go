package hub

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"xaso/app"
)

// Open data (issue 15, point 4): each month's progress report of every
// enrolled commune and their sum for the province, at public URLs without
// sign-in, as JSON and CSV. A report holds counts only (no name, number or
// note of any citizen): it is each commune's own progress report
// (app.ProgressBuilder over the dossiers folded here, the same code as the
// commune's report), and the province's row is their sum.

// OpenCommune is one commune's month in the open data.
type OpenCommune struct {
	Code string `json:"code"`
	Name string `json:"name"`
	app.ProgressReport
	Indicators Indicators `json:"indicators"`
}

// Indicators are the Decision 766 indicators the province is scored on
// that the dossiers give: progress and results (on-time share), online
// share, digitisation share and satisfaction ((very) satisfied / rated; 1
// when nobody rated).
type Indicators struct {
	OnTime       float64 `json:"on_time"`
	Online       float64 `json:"online"`
	Digitised    float64 `json:"digitised"`
	Satisfaction float64 `json:"satisfaction"`
}

// OpenMonth is GET /open-data/monthly.json.
type OpenMonth struct {
	Month    string        `json:"month"` // YYYY-MM
	Province OpenCommune   `json:"province"`
	Communes []OpenCommune `json:"communes"`
}

func indicators(r app.ProgressReport) Indicators {
	in := Indicators{OnTime: r.OnTimeRate, Online: r.OnlineRate, Digitised: r.Digitised.Rate, Satisfaction: 1}
	if s := r.Satisfaction; s.Rated > 0 {
		in.Satisfaction = float64(s.VerySatisfied+s.Satisfied) / float64(s.Rated)
	}
	return in
}

func addCounts(dst *app.ProgressCounts, src app.ProgressCounts) {
	if dst.Received.ByChannel == nil {
		dst.Received.ByChannel = map[app.Channel]int{}
	}
	dst.Received.CarriedOver += src.Received.CarriedOver
	dst.Received.New += src.Received.New
	dst.Received.Total += src.Received.Total
	for ch, n := range src.Received.ByChannel {
		dst.Received.ByChannel[ch] += n
	}
	dst.Processed.Early += src.Processed.Early
	dst.Processed.OnTime += src.Processed.OnTime
	dst.Processed.Late += src.Processed.Late
	dst.Processed.Total += src.Processed.Total
	dst.InProgress.WithinDeadline += src.InProgress.WithinDeadline
	dst.InProgress.Overdue += src.InProgress.Overdue
	dst.InProgress.Total += src.InProgress.Total
	dst.Paused.Supplement += src.Paused.Supplement
	dst.Paused.Payment += src.Paused.Payment
	dst.Paused.Stopped += src.Paused.Stopped
	dst.Withdrawn += src.Withdrawn
}

// sumReports adds the communes' reports into the province's, rates again
// from the sums.
func sumReports(reps []app.ProgressReport, from, to string, asOf time.Time) app.ProgressReport {
	sum := app.ProgressReport{From: from, To: to, AsOf: asOf, ByProcedure: []app.ProcedureProgress{}}
	sum.Received.ByChannel = map[app.Channel]int{app.ChannelInPerson: 0, app.ChannelOnline: 0, app.ChannelPost: 0}
	procs := map[string]int{}
	for _, r := range reps {
		addCounts(&sum.ProgressCounts, r.ProgressCounts)
		s := &sum.Satisfaction
		s.VerySatisfied += r.Satisfaction.VerySatisfied
		s.Satisfied += r.Satisfaction.Satisfied
		s.Dissatisfied += r.Satisfaction.Dissatisfied
		s.Rated += r.Satisfaction.Rated
		s.Returned += r.Satisfaction.Returned
		sum.Digitised.Dossiers += r.Digitised.Dossiers
		sum.Digitised.Files += r.Digitised.Files
		for _, p := range r.ByProcedure {
			i, ok := procs[p.Code]
			if !ok {
				i = len(sum.ByProcedure)
				procs[p.Code] = i
				sum.ByProcedure = append(sum.ByProcedure, app.ProcedureProgress{Code: p.Code, Name: p.Name})
			}
			addCounts(&sum.ByProcedure[i].ProgressCounts, p.ProgressCounts)
		}
	}
	sum.OnTimeRate = 1
	if n := sum.Processed.Total; n > 0 {
		sum.OnTimeRate = float64(sum.Processed.Early+sum.Processed.OnTime) / float64(n)
	}
	if n := sum.Received.New; n > 0 {
		sum.OnlineRate = float64(sum.Received.ByChannel[app.ChannelOnline]) / float64(n)
		sum.Digitised.Rate = float64(sum.Digitised.Dossiers) / float64(n)
	}
	return sum
}

// month reads ?month=YYYY-MM (default: the last whole month).
func (h *Hub) month(r *http.Request) (string, app.Period, error) {
	now := h.cfg.Now().In(app.VN())
	m := r.URL.Query().Get("month")
	var start time.Time
	if m == "" {
		start = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, app.VN()).AddDate(0, -1, 0)
	} else {
		t, err := time.ParseInLocation("2006-01", m, app.VN())
		if err != nil {
			return "", app.Period{}, app.Errorf(app.EInvalid, "month", "Tháng không hợp lệ (định dạng năm-tháng, ví dụ 2026-11).",
				"month must be YYYY-MM (e.g. 2026-11)")
		}
		start = t
	}
	if start.After(now) {
		return "", app.Period{}, app.Errorf(app.EInvalid, "month", "Tháng này chưa bắt đầu.", "that month has not started yet")
	}
	return start.Format("2006-01"), app.Period{From: start, To: start.AddDate(0, 1, 0)}, nil
}

// periodReader walks the dossiers a report on a period may count; a commune
// log without it is read whole.
type periodReader interface {
	DossiersForPeriod(from, to time.Time, fn func(app.Dossier) error) error
}

func (h *Hub) communeReport(cl CommuneLog, per app.Period, now time.Time) (app.ProgressReport, error) {
	b := app.NewProgress(per, now)
	if pr, ok := cl.(periodReader); ok {
		err := pr.DossiersForPeriod(per.From, per.To, func(d app.Dossier) error { b.Add(d); return nil })
		return b.Report(), err
	}
	for q := (app.ListQuery{Limit: 500}); ; {
		items, next, err := cl.Dossiers(q)
		if err != nil {
			return app.ProgressReport{}, err
		}
		for _, d := range items {
			b.Add(d)
		}
		if next == "" {
			return b.Report(), nil
		}
		q.After = next
	}
}

// openCache keeps a month's open data for a while: the figures are public
// and read by anyone, the month's dossiers are many.
type openCache struct {
	mu   sync.Mutex
	at   map[string]time.Time
	data map[string]OpenMonth
}

const openFresh = 10 * time.Minute

func (h *Hub) openMonth(month string, per app.Period) (OpenMonth, error) {
	now := h.cfg.Now()
	h.open.mu.Lock()
	defer h.open.mu.Unlock()
	if at, ok := h.open.at[month]; ok && now.Sub(at) < openFresh && !now.Before(at) {
		return h.open.data[month], nil
	}
	infos, err := h.st.CommuneInfos()
	if err != nil {
		return OpenMonth{}, err
	}
	out := OpenMonth{Month: month, Communes: []OpenCommune{}}
	var reps []app.ProgressReport
	for _, info := range infos {
		cl, err := h.st.Commune(info.Code)
		if err != nil {
			return OpenMonth{}, err
		}
		rep, err := h.communeReport(cl, per, now)
		if err != nil {
			return OpenMonth{}, fmt.Errorf("commune %s: %w", info.Code, err)
		}
		name := info.Code
		if c, ok := app.LookupCommune(info.Code); ok {
			name = c.Name
		}
		out.Communes = append(out.Communes, OpenCommune{Code: info.Code, Name: name, ProgressReport: rep, Indicators: indicators(rep)})
		reps = append(reps, rep)
	}
	last := per.To.AddDate(0, 0, -1).Format("2006-01-02")
	sum := sumReports(reps, per.From.Format("2006-01-02"), last, app.NewProgress(per, now).Report().AsOf)
	out.Province = OpenCommune{Code: "province", Name: "Toàn tỉnh", ProgressReport: sum, Indicators: indicators(sum)}
	if h.open.at == nil {
		h.open.at, h.open.data = map[string]time.Time{}, map[string]OpenMonth{}
	}
	h.open.at[month], h.open.data[month] = now, out
	return out, nil
}

func (h *Hub) openData(w http.ResponseWriter, r *http.Request) {
	month, per, err := h.month(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.openMonth(month, per)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=600")
	if r.PathValue("format") == "monthly.json" {
		writeJSON(w, http.StatusOK, data)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="xaso-`+month+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"month", "commune_code", "commune_name", "procedure_code", "carried_over", "new", "in_person", "online", "post",
		"processed", "early", "on_time", "late", "in_progress", "overdue", "supplement", "payment", "stopped", "withdrawn",
		"on_time_rate", "online_rate", "digitised_rate", "satisfaction_rate"})
	row := func(c OpenCommune, proc string, pc app.ProgressCounts, in *Indicators) {
		rec := []string{month, c.Code, c.Name, proc}
		for _, n := range []int{pc.Received.CarriedOver, pc.Received.New, pc.Received.ByChannel[app.ChannelInPerson],
			pc.Received.ByChannel[app.ChannelOnline], pc.Received.ByChannel[app.ChannelPost], pc.Processed.Total, pc.Processed.Early,
			pc.Processed.OnTime, pc.Processed.Late, pc.InProgress.Total, pc.InProgress.Overdue, pc.Paused.Supplement,
			pc.Paused.Payment, pc.Paused.Stopped, pc.Withdrawn} {
			rec = append(rec, strconv.Itoa(n))
		}
		if in != nil {
			for _, f := range []float64{in.OnTime, in.Online, in.Digitised, in.Satisfaction} {
				rec = append(rec, strconv.FormatFloat(f, 'f', 4, 64))
			}
		} else {
			rec = append(rec, "", "", "", "")
		}
		_ = cw.Write(rec)
	}
	for _, c := range append(data.Communes, data.Province) {
		row(c, "", c.ProgressCounts, &c.Indicators)
		for _, p := range c.ByProcedure {
			row(c, p.Code, p.ProgressCounts, nil)
		}
	}
	cw.Flush()
}
