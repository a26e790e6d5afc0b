package api

import (
	"bytes"
	"net/http"
	"strconv"

	"xaso/app"
	"xaso/app/forms"
)

// registerRoutes serves the civil-status registers: books, entries, their
// corrections and notes, and certified extracts (DESIGN §8.1 "Registers").
func (h *Handler) registerRoutes() {
	m := h.mux
	m.HandleFunc("GET /api/v1/registers", h.auth(h.listRegisters))
	m.HandleFunc("POST /api/v1/registers/{id}/close", h.auth(h.closeRegister))
	m.HandleFunc("GET /api/v1/registers/{id}/entries", h.auth(h.listEntries))
	m.HandleFunc("GET /api/v1/registers/{id}/entries/{number}", h.auth(h.getEntry))
	m.HandleFunc("POST /api/v1/registers/{id}/entries/{number}/corrections", h.auth(h.correctEntry))
	m.HandleFunc("POST /api/v1/registers/{id}/entries/{number}/annotations", h.auth(h.annotateEntry))
	m.HandleFunc("POST /api/v1/registers/{id}/entries/{number}/extracts", h.auth(h.issueExtract))
	m.HandleFunc("GET /api/v1/registers/{id}/entries/{number}/extract.pdf", h.auth(h.extractPDF))
}

func (h *Handler) listRegisters(w http.ResponseWriter, r *http.Request, p app.Principal) {
	q := r.URL.Query()
	year := 0
	if y := q.Get("year"); y != "" {
		var err error
		if year, err = strconv.Atoi(y); err != nil || year < 1900 || year > 9999 {
			h.fail(w, r, app.Errorf(app.EInvalid, "year", "Năm không hợp lệ.", "year is not a year"))
			return
		}
	}
	items, err := h.cfg.Service.Registers(p, app.RegisterKind(q.Get("kind")), year)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) closeRegister(w http.ResponseWriter, r *http.Request, p app.Principal) {
	b, err := h.cfg.Service.CloseRegister(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (h *Handler) listEntries(w http.ResponseWriter, r *http.Request, p app.Principal) {
	items, err := h.cfg.Service.Entries(p, r.PathValue("id"), r.URL.Query().Get("q"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// entryNumber reads the {number} of an entry's path.
func entryNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return 0, app.Errorf(app.ENotFound, "number", "Không có số đăng ký %q.", "no entry number %q", r.PathValue("number"))
	}
	return n, nil
}

func (h *Handler) getEntry(w http.ResponseWriter, r *http.Request, p app.Principal) {
	n, err := entryNumber(r)
	if err == nil {
		var e app.Entry
		if e, err = h.cfg.Service.RegisterEntry(p, r.PathValue("id"), n); err == nil {
			writeJSON(w, http.StatusOK, e)
			return
		}
	}
	h.fail(w, r, err)
}

func (h *Handler) correctEntry(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.CorrectInput
	n, err := entryNumber(r)
	if err == nil {
		err = h.decode(w, r, &in)
	}
	var e app.Entry
	if err == nil {
		e, err = h.cfg.Service.CorrectEntry(r.Context(), p, r.PathValue("id"), n, in)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (h *Handler) annotateEntry(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in struct {
		Note string `json:"note"`
	}
	n, err := entryNumber(r)
	if err == nil {
		err = h.decode(w, r, &in)
	}
	var e app.Entry
	if err == nil {
		e, err = h.cfg.Service.AnnotateEntry(r.Context(), p, r.PathValue("id"), n, in.Note)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// issueExtract records an issue of an extract → 201 {"issue","entry"}; the
// PDF of that issue is extract.pdf?issue=N.
func (h *Handler) issueExtract(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.ExtractInput
	n, err := entryNumber(r)
	if err == nil {
		err = h.decode(w, r, &in)
	}
	var e app.Entry
	var x app.ExtractIssue
	if err == nil {
		e, x, err = h.cfg.Service.IssueExtract(r.Context(), p, r.PathValue("id"), n, in)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"issue": x, "entry": e})
}

// extractPDF prints the extract of an entry: of issue ?issue=N, else of its
// latest issue, else a preview marked as not issued.
func (h *Handler) extractPDF(w http.ResponseWriter, r *http.Request, p app.Principal) {
	n, err := entryNumber(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.cfg.Service.RegisterEntry(p, r.PathValue("id"), n)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var issue *app.ExtractIssue
	if len(e.Extracts) > 0 {
		issue = &e.Extracts[len(e.Extracts)-1]
	}
	if s := r.URL.Query().Get("issue"); s != "" {
		k, err := strconv.Atoi(s)
		if err != nil || k < 1 || k > len(e.Extracts) {
			h.fail(w, r, app.Errorf(app.ENotFound, "issue", "Không có lần cấp trích lục %q.", "no extract issue %q", s))
			return
		}
		issue = &e.Extracts[k-1]
	}
	u, err := h.unit()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	in := forms.ExtractInput{Entry: e, Issue: issue, Unit: u, Name: h.cfg.Service.OfficialName, Printed: h.cfg.Service.Now()}
	if err := forms.Extract(&buf, in); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, "application/pdf", "trich-luc-"+e.Register+"-"+strconv.Itoa(e.Number)+".pdf", buf.Bytes())
}
