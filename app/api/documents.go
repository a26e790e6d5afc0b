package api

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"xaso/app"
	"xaso/app/forms"
)

// documentRoutes serves a dossier's documents: printed forms, chip-ID
// scans, scanned attachments, satisfaction ratings, and the period reports.
func (h *Handler) documentRoutes() {
	m := h.mux
	m.HandleFunc("POST /api/v1/idcard/parse", h.auth(h.parseIDCard))
	m.HandleFunc("GET /api/v1/dossiers/{code}/forms/{file}", h.auth(h.form))
	m.HandleFunc("POST /api/v1/dossiers/{code}/attachments", h.auth(h.attach))
	m.HandleFunc("GET /api/v1/dossiers/{code}/attachments/{sha256}", h.auth(h.attachment))
	m.HandleFunc("POST /api/v1/dossiers/{code}/rating", h.auth(h.rate))
	m.HandleFunc("GET /api/v1/reports/progress", h.auth(h.progressReport))
	m.HandleFunc("GET /api/v1/reports/register", h.auth(h.registerReport))
}

func (h *Handler) parseIDCard(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in struct {
		QR string `json:"qr"`
	}
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	card, err := h.cfg.Service.ParseIDCard(p, in.QR)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, card)
}

// unit is the commune as printed forms name it.
func (h *Handler) unit() (forms.Unit, error) {
	c, err := h.cfg.Service.Commune()
	if err != nil {
		return forms.Unit{}, err
	}
	return forms.UnitOf(c), nil
}

func (h *Handler) form(w http.ResponseWriter, r *http.Request, p app.Principal) {
	n, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if _, known := forms.Titles[n]; !ok || !known {
		h.fail(w, r, app.Errorf(app.ENotFound, "form", "Không có mẫu này (chỉ có 01.pdf đến 07.pdf).",
			"no such form (01.pdf to 07.pdf)"))
		return
	}
	paper := forms.A4
	switch strings.ToUpper(r.URL.Query().Get("paper")) {
	case "", forms.A4:
	case forms.A5:
		paper = forms.A5
	default:
		h.fail(w, r, app.Errorf(app.EInvalid, "paper", "Khổ giấy chỉ là A4 hoặc A5.", "paper must be A4 or A5"))
		return
	}
	d, err := h.cfg.Service.DossierByCode(r.PathValue("code"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.unit()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	in := forms.Input{Dossier: d, Unit: u, Name: h.cfg.Service.OfficialName, Printed: h.cfg.Service.Now(), Paper: paper}
	if err := forms.Render(&buf, n, in); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, "application/pdf", "mau-"+n+"-"+d.Code+".pdf", buf.Bytes())
}

// sendFile answers with a document the browser may show or save.
func sendFile(w http.ResponseWriter, contentType, name string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Content-Disposition", disposition("inline", name))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func disposition(kind, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, url.PathEscape(name))
}

// uploadSlack is what a multipart envelope may add to a file's size.
const uploadSlack = 64 << 10

// attach takes a scanned document: the raw file as the body (its name in
// ?name=), or multipart/form-data with the file in the part "file".
func (h *Handler) attach(w http.ResponseWriter, r *http.Request, p app.Principal) {
	body, name, done, ok := h.upload(w, r)
	if !ok {
		return
	}
	defer done()
	a, created, err := h.cfg.Service.Attach(r.Context(), p, r.PathValue("code"), name, body)
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
	w.Header().Set("Location", "/api/v1/dossiers/"+url.PathEscape(r.PathValue("code"))+"/attachments/"+a.SHA256)
	writeJSON(w, status, a)
}

// upload reads a scan's upload: the raw file as the body (its name in
// ?name=), or multipart/form-data with the file in the part "file". A body
// larger than a scan may be is refused before it is read; !ok: answered.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) (body io.Reader, name string, done func(), ok bool) {
	tooLarge := app.Errorf(app.ETooLarge, "file", "Tệp quá lớn: mỗi tệp đính kèm tối đa %d MB.",
		"the file is too large: at most %d MB per attachment", app.MaxAttachmentSize>>20)
	if r.ContentLength > app.MaxAttachmentSize+uploadSlack {
		w.Header().Set("Connection", "close") // do not read 100 MB to refuse them
		h.fail(w, r, tooLarge)
		return nil, "", nil, false
	}
	body, name, done = r.Body, r.URL.Query().Get("name"), func() {}
	media, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media == "multipart/form-data" {
		part, err := filePart(r, params["boundary"])
		if err != nil {
			h.fail(w, r, err)
			return nil, "", nil, false
		}
		body, done = part, func() { part.Close() }
		if name == "" {
			name = part.FileName()
		}
	} else if r.ContentLength > app.MaxAttachmentSize {
		w.Header().Set("Connection", "close")
		h.fail(w, r, tooLarge)
		return nil, "", nil, false
	}
	return body, name, done, true
}

// filePart finds the part named "file" of a multipart upload.
func filePart(r *http.Request, boundary string) (*multipart.Part, error) {
	if boundary == "" {
		return nil, app.Errorf(app.EInvalid, "file", "Dữ liệu tải lên dạng multipart thiếu boundary.", "the multipart upload has no boundary")
	}
	mr := multipart.NewReader(r.Body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, app.Errorf(app.EInvalid, "file", "Không có tệp trong phần “file” của dữ liệu tải lên.",
				"the upload has no part named “file”")
		}
		if err != nil {
			return nil, app.Errorf(app.EInvalid, "file", "Tải tệp lên bị gián đoạn hoặc sai định dạng, vui lòng thử lại.",
				"the upload was interrupted or malformed, please try again")
		}
		if part.FormName() == "file" {
			return part, nil
		}
		part.Close()
	}
}

func (h *Handler) attachment(w http.ResponseWriter, r *http.Request, p app.Principal) {
	a, rc, err := h.cfg.Service.AttachmentContent(p, r.PathValue("code"), r.PathValue("sha256"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.MediaType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", disposition("inline", a.Name))
	w.Header().Set("ETag", `"`+a.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		h.cfg.Logger.Warn("send attachment", "sha256", a.SHA256, "err", err)
	}
}

func (h *Handler) rate(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.RateInput
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	in.Note = app.CleanText(in.Note)
	d, err := h.cfg.Service.Rate(r.Context(), p, r.PathValue("code"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.cfg.Service.View(p, d))
}

// reportQuery reads from, to and format (one of formats, the first the default).
func (h *Handler) reportQuery(r *http.Request, formats ...string) (app.Period, string, error) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "from", "to", "format":
		default:
			return app.Period{}, "", app.Errorf(app.EInvalid, k, "Tham số “%s” không được hỗ trợ.", "unknown parameter %q", k)
		}
	}
	per, err := app.ParsePeriod(q.Get("from"), q.Get("to"))
	if err != nil {
		return app.Period{}, "", err
	}
	f := q.Get("format")
	if f == "" {
		return per, formats[0], nil
	}
	if slices.Contains(formats, f) {
		return per, f, nil
	}
	return app.Period{}, "", app.Errorf(app.EInvalid, "format", "Định dạng chỉ là %s.", "format must be one of %s",
		strings.Join(formats, ", "))
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (h *Handler) progressReport(w http.ResponseWriter, r *http.Request, p app.Principal) {
	per, format, err := h.reportQuery(r, "json", "xlsx", "pdf")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rep, err := h.cfg.Service.ProgressReport(p, per)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	now := h.cfg.Service.Now()
	h.sendReport(w, r, format, "bao-cao-tien-do-"+rep.From+"-"+rep.To, rep,
		func(buf *bytes.Buffer, u forms.Unit) error { return forms.ProgressXLSX(buf, u, per, rep, now) },
		func(buf *bytes.Buffer, u forms.Unit) error { return forms.ProgressPDF(buf, u, per, rep, now) })
}

func (h *Handler) registerReport(w http.ResponseWriter, r *http.Request, p app.Principal) {
	per, format, err := h.reportQuery(r, "pdf", "xlsx", "json")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows, err := h.cfg.Service.Register(p, per)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	now := h.cfg.Service.Now()
	h.sendReport(w, r, format, "so-theo-doi-ho-so-"+per.From.Format("2006-01-02")+"-"+per.Last().Format("2006-01-02"),
		map[string]any{"items": rows},
		func(buf *bytes.Buffer, u forms.Unit) error { return forms.RegisterXLSX(buf, u, per, rows, now) },
		func(buf *bytes.Buffer, u forms.Unit) error { return forms.RegisterPDF(buf, u, per, rows, now) })
}

// sendReport answers a report in the asked format: JSON as it is, or an
// XLSX or PDF file named name, rendered for the commune's unit.
func (h *Handler) sendReport(w http.ResponseWriter, r *http.Request, format, name string, asJSON any,
	xlsx, pdf func(*bytes.Buffer, forms.Unit) error) {
	if format == "json" {
		writeJSON(w, http.StatusOK, asJSON)
		return
	}
	u, err := h.unit()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	render, ctype, ext := pdf, "application/pdf", ".pdf"
	if format == "xlsx" {
		render, ctype, ext = xlsx, xlsxType, ".xlsx"
	}
	var buf bytes.Buffer
	if err := render(&buf, u); err != nil {
		h.fail(w, r, app.Internal(err))
		return
	}
	sendFile(w, ctype, name+ext, buf.Bytes())
}
