package api

import (
	"net/http"
	"strconv"
	"strings"

	"xaso/app"
	"xaso/app/calendar"
)

// health answers monitoring without a sign-in; the exact version and the
// agency, which help an attacker more than a monitor, go to signed-in
// officials only.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	st := h.cfg.Health()
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, err := h.cfg.Service.Authenticate(strings.TrimSpace(token)); err != nil {
		st.Version, st.Agency = "", ""
	}
	writeJSON(w, http.StatusOK, st)
}

type userView struct {
	Username string     `json:"username"`
	FullName string     `json:"full_name"`
	Roles    []app.Role `json:"roles"`
	Disabled bool       `json:"disabled,omitempty"`
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if strings.TrimSpace(in.Username) == "" {
		h.fail(w, r, app.Errorf(app.EInvalid, "username", "Vui lòng nhập tên đăng nhập.", "the user name is required"))
		return
	}
	if in.Password == "" {
		h.fail(w, r, app.Errorf(app.EInvalid, "password", "Vui lòng nhập mật khẩu.", "the password is required"))
		return
	}
	token, p, err := h.cfg.Service.Login(r.Context(), clientAddr(r), in.Username, in.Password)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token,
		"user": userView{Username: p.Username, FullName: p.FullName, Roles: p.Roles}})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, p app.Principal) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := h.cfg.Service.Logout(strings.TrimSpace(token)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, p app.Principal) {
	writeJSON(w, http.StatusOK, userView{Username: p.Username, FullName: p.FullName, Roles: p.Roles})
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, p app.Principal) {
	us, err := h.cfg.Service.Users(p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]userView, 0, len(us))
	for _, u := range us {
		items = append(items, userView{Username: u.Username, FullName: u.FullName, Roles: u.Roles, Disabled: u.Disabled})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) officials(w http.ResponseWriter, r *http.Request, p app.Principal) {
	ps, err := h.cfg.Service.Officials(p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]userView, 0, len(ps))
	for _, o := range ps {
		items = append(items, userView{Username: o.Username, FullName: o.FullName, Roles: o.Roles})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.NewUser
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.cfg.Service.CreateUser(r.Context(), p, in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userView{Username: u.Username, FullName: u.FullName, Roles: u.Roles})
}

type procedureView struct {
	app.Procedure
	Days  float64 `json:"days"`
	Hours int     `json:"hours"`
	FeeVi string  `json:"fee_vi"` // the fee as the desk shows it (free by law, national, the province's)
}

func (h *Handler) procedures(w http.ResponseWriter, r *http.Request, p app.Principal) {
	cat := h.cfg.Service.Catalog()
	items := make([]procedureView, 0, len(cat.Procedures))
	for _, pr := range cat.Procedures {
		v := procedureView{Procedure: pr, Hours: pr.Rule.Hours, Days: float64(pr.Rule.Hours) / 8, FeeVi: pr.FeeVi()}
		switch pr.Rule.Kind {
		case calendar.SameDay:
			v.Hours, v.Days = 0, 0
		case calendar.CalendarDays:
			v.Days = float64(pr.Rule.Days)
		}
		items = append(items, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "version": cat.Version, "effective_from": cat.EffectiveFrom})
}

func (h *Handler) statuses(w http.ResponseWriter, r *http.Request, p app.Principal) {
	writeJSON(w, http.StatusOK, map[string]any{"items": app.Statuses()})
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.ReceiveInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	in.Note = app.CleanText(in.Note)
	in.Applicant.FullName = app.CleanText(in.Applicant.FullName)
	in.Applicant.Address = app.CleanText(in.Applicant.Address)
	for i := range in.Documents {
		in.Documents[i].Name = app.CleanText(in.Documents[i].Name)
	}
	d, err := h.cfg.Service.Receive(r.Context(), p, in, strings.TrimSpace(r.Header.Get("Idempotency-Key")))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h.cfg.Service.View(p, d))
}

func (h *Handler) getDossier(w http.ResponseWriter, r *http.Request, p app.Principal) {
	d, err := h.cfg.Service.DossierByCode(r.PathValue("code"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cfg.Service.View(p, d))
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.ActInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	in.Note = app.CleanText(in.Note)
	if in.Action == "" {
		h.fail(w, r, app.Errorf(app.EInvalid, "action", "Vui lòng chọn thao tác.", "the action is required"))
		return
	}
	d, err := h.cfg.Service.Act(r.Context(), p, r.PathValue("code"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cfg.Service.View(p, d))
}

func (h *Handler) listDossiers(w http.ResponseWriter, r *http.Request, p app.Principal) {
	v := r.URL.Query()
	for k := range v {
		switch k {
		case "status", "q", "queue", "limit", "after":
		default:
			h.fail(w, r, app.Errorf(app.EInvalid, k, "Tham số “%s” không được hỗ trợ.", "unknown parameter %q", k))
			return
		}
	}
	q := app.ListQuery{Status: app.Status(v.Get("status")), Q: v.Get("q"), Queue: v.Get("queue"), After: v.Get("after")}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			h.fail(w, r, app.Errorf(app.EInvalid, "limit", "Số dòng mỗi trang phải là số nguyên dương.", "limit must be a positive integer"))
			return
		}
		q.Limit = n
	}
	items, next, err := h.cfg.Service.ListDossiers(p, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views := make([]app.DossierView, 0, len(items))
	for _, d := range items {
		views = append(views, h.cfg.Service.View(p, d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": views, "next": next})
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request, p app.Principal) {
	st, err := h.cfg.Service.Stats(p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
