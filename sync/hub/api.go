package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"xaso/app"
	"xaso/app/calendar"
	"xaso/sync/uplink"
)

func (h *Hub) health(w http.ResponseWriter, r *http.Request) {
	infos, err := h.st.CommuneInfos()
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	commands := 0
	for _, c := range infos {
		if cl, err := h.st.Commune(c.Code); err == nil {
			commands += cl.Count()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "communes": len(infos), "commands": commands,
		"version": h.cfg.Version, "time": h.cfg.Now().In(app.VN()), "update_bytes_served": h.served.Load()})
}

// CommuneSummary is one commune in GET /api/v1/communes and
// GET /api/v1/communes/{code}: what its office last reported and the
// figures folded from its commands.
type CommuneSummary struct {
	Code             string             `json:"code"`
	Name             string             `json:"name"`
	LastSeen         *time.Time         `json:"last_seen"` // null: never synced
	Commands         int                `json:"commands"`
	DossiersByStatus map[app.Status]int `json:"dossiers_by_status"`
	OnTimeRate       *float64           `json:"on_time_rate"` // (early + on time) / processed; null: none processed
	Version          string             `json:"version"`
	Unsent           int                `json:"unsent"`        // the backlog the office last reported
	ClockSkewMS      int64              `json:"clock_skew_ms"` // the office's clock minus the hub's
	Total            int                `json:"total"`
	Overdue          int                `json:"overdue"`
	Processed        map[app.Timing]int `json:"processed"`
	Enrolled         bool               `json:"enrolled"` // false: no token issued yet, nothing received
	// Drill-down only (GET /api/v1/communes/{code}): the office's
	// installations, and with ?state_hash=1 the hash of the commune's state
	// as folded here (equal to the office's once it is in sync).
	Installations []string `json:"installations,omitempty"`
	StateHash     string   `json:"state_hash,omitempty"`
	// The digitising of the commune's old civil-status books (pages,
	// entries, verified), folded from the commands it sent up.
	Digitising *app.DigitiseProgress `json:"digitising,omitempty"`
}

func (h *Hub) summary(info CommuneInfo) (CommuneSummary, error) {
	s := CommuneSummary{Code: info.Code, Version: info.Version, Unsent: info.Unsent, ClockSkewMS: info.SkewMS,
		DossiersByStatus: map[app.Status]int{}, Processed: map[app.Timing]int{}}
	if c, ok := app.LookupCommune(info.Code); ok {
		s.Name = c.Name
	}
	if !info.LastSeen.IsZero() {
		t := info.LastSeen.In(app.VN())
		s.LastSeen = &t
	}
	cl, err := h.st.Commune(info.Code)
	if err != nil {
		return s, err
	}
	s.Commands = cl.Count()
	if conf, ok, err := cl.Config(); err == nil && ok && conf.Name != "" && s.Name == "" {
		s.Name = conf.Name
	}
	st, err := h.counts(info.Code, cl)
	if err != nil {
		return s, err
	}
	s.DossiersByStatus, s.Total, s.Overdue, s.Processed = st.ByStatus, st.Total, st.Overdue, st.Processed
	done := st.Processed[app.TimingEarly] + st.Processed[app.TimingOnTime] + st.Processed[app.TimingLate]
	if done > 0 {
		r := float64(st.Processed[app.TimingEarly]+st.Processed[app.TimingOnTime]) / float64(done)
		s.OnTimeRate = &r
	}
	return s, nil
}

func (h *Hub) communes(w http.ResponseWriter, r *http.Request, _ User) {
	infos, err := h.st.CommuneInfos()
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	// Every commune of the province is listed, enrolled or not: provincial
	// IT sees which offices are not connected yet and enrols them from here.
	known := make(map[string]CommuneInfo, len(infos))
	for _, info := range infos {
		known[info.Code] = info
	}
	units := app.Communes()
	items := make([]CommuneSummary, 0, max(len(units), len(infos)))
	add := func(info CommuneInfo) bool {
		s, err := h.summary(info)
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return false
		}
		s.Enrolled = true
		items = append(items, s)
		return true
	}
	for _, u := range units {
		if info, ok := known[u.Code]; ok {
			if !add(info) {
				return
			}
			delete(known, u.Code)
			continue
		}
		items = append(items, CommuneSummary{Code: u.Code, Name: u.Name, DossiersByStatus: map[app.Status]int{},
			Processed: map[app.Timing]int{}})
	}
	for _, info := range infos { // enrolled communes outside the built-in list
		if _, ok := known[info.Code]; ok && !add(info) {
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// known returns the commune's record, or a coded not_found.
func (h *Hub) known(code string) (CommuneInfo, error) {
	if !communePattern.MatchString(code) {
		return CommuneInfo{}, badCommune()
	}
	info, ok, err := h.st.CommuneInfo(code)
	if err != nil {
		return CommuneInfo{}, app.Internal(err)
	}
	if !ok {
		return CommuneInfo{}, app.Errorf(app.ENotFound, "code", "Xã %s chưa đăng ký với máy chủ tỉnh.", "commune %s is not enrolled at this hub", code)
	}
	return info, nil
}

func (h *Hub) commune(w http.ResponseWriter, r *http.Request, _ User) {
	info, err := h.known(r.PathValue("code"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.summary(info)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	insts, err := h.st.Installations(info.Code)
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	for _, in := range insts {
		s.Installations = append(s.Installations, in.ID)
	}
	cl, err := h.st.Commune(info.Code)
	var dg app.DigitiseProgress
	if err == nil {
		dg, err = cl.Digitising()
	}
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	s.Digitising = &dg
	if r.URL.Query().Get("state_hash") == "1" {
		defer h.communeLock(info.Code)()
		cl, err := h.st.Commune(info.Code)
		if err == nil {
			s.StateHash, err = cl.StateHash()
		}
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
	}
	writeJSON(w, http.StatusOK, s)
}

// view is a dossier as a node shows it, without an official's actions.
func (h *Hub) view(d app.Dossier) app.DossierView {
	info, _ := d.Status.Info()
	return app.DossierView{Dossier: d, ProcedureCode: d.Procedure.Code, ProcedureName: d.Procedure.Name,
		StatusCode: info.Code, StatusVi: info.Vi, Overdue: d.Overdue(h.cfg.Now()), Replicated: true,
		AllowedActions: []app.Action{}}
}

func (h *Hub) communeLog(w http.ResponseWriter, r *http.Request) (CommuneLog, bool) {
	if _, err := h.known(r.PathValue("code")); err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	cl, err := h.st.Commune(r.PathValue("code"))
	if err != nil {
		h.fail(w, r, app.Internal(err))
		return nil, false
	}
	return cl, true
}

func (h *Hub) listDossiers(w http.ResponseWriter, r *http.Request, _ User) {
	v := r.URL.Query()
	for k := range v {
		switch k {
		case "status", "q", "queue", "limit", "after":
		default:
			h.fail(w, r, app.Errorf(app.EInvalid, k, "Tham số “%s” không được hỗ trợ.", "unknown parameter %q", k))
			return
		}
	}
	q := app.ListQuery{Status: app.Status(v.Get("status")), Q: v.Get("q"), After: v.Get("after"), Limit: 50}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			h.fail(w, r, app.Errorf(app.EInvalid, "limit", "Số dòng mỗi trang phải từ 1 đến 500.", "limit must be between 1 and 500"))
			return
		}
		q.Limit = n
	}
	if q.Status != "" {
		if _, ok := q.Status.Info(); !ok {
			h.fail(w, r, app.Errorf(app.EInvalid, "status", "Trạng thái không hợp lệ.", "unknown status"))
			return
		}
	}
	switch v.Get("queue") { // the overdue list and every open dossier, soonest due first, as on a node
	case "":
	case app.QueueOpen:
		q.Queue = app.QueueOpen
	case app.QueueOverdue:
		q.Queue, q.DueMax = app.QueueOverdue, h.cfg.Now().In(app.VN())
	default:
		h.fail(w, r, app.Errorf(app.EInvalid, "queue", "Hàng đợi không hợp lệ (open hoặc overdue).", "queue must be open or overdue"))
		return
	}
	if len(q.Q) > 200 {
		h.fail(w, r, app.Errorf(app.EInvalid, "q", "Từ khóa tìm kiếm quá dài.", "the search text is too long"))
		return
	}
	cl, ok := h.communeLog(w, r)
	if !ok {
		return
	}
	items, next, err := cl.Dossiers(q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views := make([]app.DossierView, 0, len(items))
	for _, d := range items {
		views = append(views, h.view(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": views, "next": next})
}

func (h *Hub) getDossier(w http.ResponseWriter, r *http.Request, _ User) {
	cl, ok := h.communeLog(w, r)
	if !ok {
		return
	}
	d, err := cl.Dossier(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.view(d))
}

// SubmitInput is a node's POST /dossiers body plus when the citizen
// submitted it online.
type SubmitInput struct {
	app.ReceiveInput
	SubmittedAt *time.Time `json:"submitted_at"`
}

// hubPC is the number printed in the provisional codes of online dossiers
// (TAM-<agency>-<YYMMDD>-999999-<NNNN>): the desk gives them an official
// code (recode) when it receives them.
const hubPC = 999999

// submitDossier is POST /api/v1/communes/{code}/dossiers (IT): a dossier
// submitted online goes down to the commune's desk as dossier.submit.
func (h *Hub) submitDossier(w http.ResponseWriter, r *http.Request, u User) {
	var in SubmitInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, ok := h.communeLog(w, r); !ok {
		return
	}
	id, d, err := h.SubmitOnline(r.Context(), r.PathValue("code"), "hub:"+u.Username, in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		ID string `json:"id"`
		app.DossierView
	}{id, h.view(d)})
}

// SubmitOnline sends a dossier submitted online down to the commune's desk
// (dossier.submit, kept in the commune's down log); by names who sent it
// ("hub:USER", "portal"). Bad input is a coded error and keeps nothing.
func (h *Hub) SubmitOnline(ctx context.Context, code, by string, in SubmitInput) (string, app.Dossier, error) {
	if _, err := h.known(code); err != nil {
		return "", app.Dossier{}, err
	}
	cl, err := h.st.Commune(code)
	if err != nil {
		return "", app.Dossier{}, app.Internal(err)
	}
	now := h.cfg.Now().In(app.VN())
	submitted := now
	if in.SubmittedAt != nil {
		submitted = in.SubmittedAt.In(app.VN())
		if submitted.After(now.Add(time.Minute)) {
			return "", app.Dossier{}, app.Errorf(app.EInvalid, "submitted_at", "Thời điểm nộp không được ở tương lai.", "submitted_at cannot be in the future")
		}
	}
	cat, err := app.DefaultCatalog()
	if err != nil {
		return "", app.Dossier{}, app.Internal(err)
	}
	// The commune's catalogs and calendar in force: the built-in ones and
	// what the province published to it.
	pub, err := app.NewPublished(cl, []app.Catalog{cat}, calendar.Config{}, h.cfg.Now, h.log)
	if err != nil {
		return "", app.Dossier{}, app.Internal(err)
	}
	proc, version, ok := pub.Catalogs().Lookup(strings.TrimSpace(in.ProcedureCode), submitted)
	if !ok {
		return "", app.Dossier{}, app.Errorf(app.EInvalid, "procedure_code", "Thủ tục hành chính không có trong danh mục.", "unknown procedure code")
	}
	a := app.NormalizeApplicant(in.Applicant)
	if err := app.ValidateApplicant(a, now); err != nil {
		return "", app.Dossier{}, err
	}
	docs := in.Documents
	if len(docs) == 0 {
		docs = append([]app.Document{}, proc.Documents...)
	}
	for i, d := range docs {
		if strings.TrimSpace(d.Name) == "" || d.Copies < 1 || d.Copies > 100 {
			return "", app.Dossier{}, app.Errorf(app.EInvalid, fmt.Sprintf("documents.%d", i), "Giấy tờ cần có tên và số bản từ 1 đến 100.",
				"a document needs a name and 1 to 100 copies")
		}
	}
	agency := app.ProvisionalAgency
	if conf, ok, err := cl.Config(); err == nil && ok {
		agency = conf.AgencyCode()
	}
	due := pub.Calendar().Due(submitted, proc.Rule)
	defer h.communeLock(code)()
	c, err := cl.AppendDown(ctx, func(seq uint64) (app.Command, error) {
		id := uplink.DownID(code, seq)
		body := &app.ReceiveBody{DossierID: id, Slot: -1,
			Code:      fmt.Sprintf("%s%s-%s-%06d-%04d", app.ProvisionalPrefix, agency, submitted.Format("060102"), hubPC, seq%10000),
			Procedure: app.ProcedureRef{Code: proc.Code, Name: proc.Name, Version: version, Rule: proc.Rule},
			Channel:   app.ChannelOnline, Applicant: a, Documents: docs, Note: strings.TrimSpace(in.Note),
			ReceivedAt: submitted, DueAt: due}
		return app.NewCommand(id, app.KindDossierSubmit, by, "hub", h.clock.Next(), body)
	})
	if err != nil {
		return "", app.Dossier{}, app.Internal(err)
	}
	d, err := cl.Dossier(c.ID)
	if err != nil {
		return "", app.Dossier{}, app.Internal(err)
	}
	h.log.Info("online dossier sent down", "commune", code, "id", c.ID, "by", by)
	return c.ID, d, nil
}

// publishInput is POST /api/v1/publish: a command of a kind the hub may
// send down, for some communes or "all".
type publishInput struct {
	Communes json.RawMessage `json:"communes"` // ["14701", …] or "all"
	Kind     string          `json:"kind"`
	Body     json.RawMessage `json:"body"`
}

func (h *Hub) publish(w http.ResponseWriter, r *http.Request, u User) {
	var in publishInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if !app.FromHub(in.Kind) {
		h.fail(w, r, app.Errorf(ENotPublish, "kind", "Máy chủ tỉnh không được gửi loại lệnh “%s” xuống xã.",
			"the hub may not send commands of kind %q down", in.Kind))
		return
	}
	// The body is checked, and kept in its canonical form, by the domain.
	if _, err := app.NewPublishCommand("hub.probe.0000", in.Kind, "hub", "hub", 1, in.Body); err != nil {
		h.fail(w, r, err)
		return
	}
	var codes []string
	var all string
	if json.Unmarshal(in.Communes, &all) == nil && all == "all" {
		infos, err := h.st.CommuneInfos()
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		for _, c := range infos {
			codes = append(codes, c.Code)
		}
	} else if err := json.Unmarshal(in.Communes, &codes); err != nil || len(codes) == 0 {
		h.fail(w, r, app.Errorf(app.EInvalid, "communes", "Cần chọn các xã nhận (danh sách mã xã, hoặc \"all\").",
			"communes must be a list of commune codes, or \"all\""))
		return
	}
	for _, code := range codes {
		if _, err := h.known(code); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	ids := map[string]string{}
	for _, code := range codes {
		cl, err := h.st.Commune(code)
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		unlock := h.communeLock(code)
		c, err := cl.AppendDown(r.Context(), func(seq uint64) (app.Command, error) {
			return app.NewPublishCommand(uplink.DownID(code, seq), in.Kind, "hub:"+u.Username, "hub", h.clock.Next(), in.Body)
		})
		unlock()
		if err != nil {
			h.fail(w, r, app.Internal(err))
			return
		}
		ids[code] = c.ID
	}
	h.log.Info("published", "kind", in.Kind, "communes", len(codes))
	writeJSON(w, http.StatusCreated, map[string]any{"commands": ids})
}

// countsFresh is how long a commune's counts are served from memory while
// no command arrives (overdue dossiers move with the clock alone).
const countsFresh = time.Minute

type cachedCounts struct {
	st    app.Stats
	count int
	at    time.Time
}

// counts returns the commune's counters, read again only when commands
// arrived or a minute passed: the list of every commune stays fast with
// many communes of many open dossiers.
func (h *Hub) counts(code string, cl CommuneLog) (app.Stats, error) {
	now := h.cfg.Now()
	n := cl.Count()
	if v, ok := h.cache.Load(code); ok {
		c := v.(cachedCounts)
		if c.count == n && now.Sub(c.at) < countsFresh && !now.Before(c.at) {
			return c.st, nil
		}
	}
	st, err := cl.Counts(now)
	if err != nil {
		return st, err
	}
	h.cache.Store(code, cachedCounts{st: st, count: n, at: now})
	return st, nil
}
