package api

import (
	"io"
	"net/http"
	"strconv"

	"xaso/app"
	"xaso/app/exchange"
)

// digitiseRoutes serves the digitising of old books, the search across
// every register and the national export (docs/api.md "Civil-status registers").
func (h *Handler) digitiseRoutes() {
	m := h.mux
	m.HandleFunc("GET /api/v1/registers/digitising", h.auth(h.digitising))
	m.HandleFunc("POST /api/v1/registers/old", h.auth(h.openOldBook))
	m.HandleFunc("GET /api/v1/registers/{id}/digitising", h.auth(h.oldBook))
	m.HandleFunc("POST /api/v1/registers/{id}/pages/{page}", h.auth(h.addPage))
	m.HandleFunc("GET /api/v1/registers/{id}/pages/{page}", h.auth(h.page))
	m.HandleFunc("POST /api/v1/registers/{id}/transcriptions/{number}", h.auth(h.transcribe))
	m.HandleFunc("POST /api/v1/registers/{id}/entries/{number}/settle", h.auth(h.settle))
	m.HandleFunc("GET /api/v1/registers/search", h.auth(h.searchRegisters))
	m.HandleFunc("GET /api/v1/registers/export", h.auth(h.exportEntries))
}

func (h *Handler) digitising(w http.ResponseWriter, r *http.Request, p app.Principal) {
	pr, err := h.cfg.Service.Digitising(p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pr)
}

func (h *Handler) openOldBook(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.OldBookInput
	err := h.decode(w, r, &in)
	var b app.Book
	if err == nil {
		b, err = h.cfg.Service.OpenOldBook(r.Context(), p, in)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (h *Handler) oldBook(w http.ResponseWriter, r *http.Request, p app.Principal) {
	b, err := h.cfg.Service.OldBook(p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// pageNumber reads the {page} of a path.
func pageNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("page"))
	if err != nil || n < 1 || n > app.MaxBookPages {
		return 0, app.Errorf(app.EInvalid, "page", "Số trang phải từ 1 đến %d.", "the page number is between 1 and %d", app.MaxBookPages)
	}
	return n, nil
}

// addPage takes the scan of a page as attach takes a document's.
func (h *Handler) addPage(w http.ResponseWriter, r *http.Request, p app.Principal) {
	n, err := pageNumber(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, _, done, ok := h.upload(w, r)
	if !ok {
		return
	}
	defer done()
	pg, created, err := h.cfg.Service.AddPage(r.Context(), p, r.PathValue("id"), n, body)
	if err != nil {
		if app.ErrorCode(err) == app.ETooLarge {
			w.Header().Set("Connection", "close")
		}
		h.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, pg)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request, p app.Principal) {
	n, err := pageNumber(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg, rc, err := h.cfg.Service.PageContent(p, r.PathValue("id"), n)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", pg.MediaType)
	w.Header().Set("Content-Length", strconv.FormatInt(pg.Size, 10))
	w.Header().Set("ETag", `"`+pg.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		h.cfg.Logger.Warn("send page scan", "sha256", pg.SHA256, "err", err)
	}
}

func (h *Handler) transcribe(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.Transcription
	n, err := entryNumber(r)
	if err == nil {
		err = h.decode(w, r, &in)
	}
	var d app.DraftEntry
	if err == nil {
		d, err = h.cfg.Service.Transcribe(r.Context(), p, r.PathValue("id"), n, in)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (h *Handler) settle(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in struct {
		Values map[string]string `json:"values"`
	}
	n, err := entryNumber(r)
	if err == nil {
		err = h.decode(w, r, &in)
	}
	var e app.Entry
	if err == nil {
		e, err = h.cfg.Service.Settle(r.Context(), p, r.PathValue("id"), n, in.Values)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// limitParam reads ?limit= (0 when absent).
func limitParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, app.Errorf(app.EInvalid, "limit", "Giới hạn số dòng không hợp lệ.", "limit is not a positive number")
	}
	return n, nil
}

func (h *Handler) searchRegisters(w http.ResponseWriter, r *http.Request, p app.Principal) {
	limit, err := limitParam(r)
	var items []app.Entry
	if err == nil {
		items, err = h.cfg.Service.SearchRegisters(p, r.URL.Query().Get("q"), limit)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// exportEntries is the national export: registered entries in the
// exchange's shape, changed after ?after= (the "next" of the page before).
func (h *Handler) exportEntries(w http.ResponseWriter, r *http.Request, p app.Principal) {
	limit, err := limitParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items, next, more, err := h.cfg.Service.ExportEntries(p, r.URL.Query().Get("after"), limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.unit()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	records := make([]exchange.Record, 0, len(items))
	for _, e := range items {
		records = append(records, exchange.Of(e, u, h.cfg.Service.OfficialName))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": records, "next": next, "more": more})
}
