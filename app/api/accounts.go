package api

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"xaso/app"
)

// Account endpoints of DESIGN §8.1 and the audit log.
func (h *Handler) accountRoutes() {
	m := h.mux
	m.HandleFunc("PATCH /api/v1/users/{username}", h.auth(h.updateUser))
	m.HandleFunc("POST /api/v1/users/{username}/password", h.auth(h.resetPassword))
	m.HandleFunc("POST /api/v1/me/password", h.auth(h.changePassword))
	m.HandleFunc("GET /api/v1/audit", h.auth(h.auditLog))
}

// clientAddr is the address a request came from, without the port; the
// desktop window's in-process requests have none.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		if r.RemoteAddr == "" {
			return "window"
		}
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in app.UserPatch
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.cfg.Service.UpdateUser(r.Context(), p, r.PathValue("username"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userView{Username: u.Username, FullName: u.FullName, Roles: u.Roles, Disabled: u.Disabled})
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in struct {
		Password string `json:"password"`
	}
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.cfg.Service.ResetPassword(r.Context(), p, r.PathValue("username"), in.Password); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, p app.Principal) {
	var in struct {
		OldPassword string `json:"old_password"`
		Password    string `json:"password"`
	}
	if err := h.decode(w, r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	token, err := h.cfg.Service.ChangePassword(r.Context(), p, clientAddr(r), in.OldPassword, in.Password)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Every session of the user ended; this is the new one of who asked.
	writeJSON(w, http.StatusOK, map[string]any{"token": token,
		"user": userView{Username: p.Username, FullName: p.FullName, Roles: p.Roles}})
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request, p app.Principal) {
	v := r.URL.Query()
	limit := 0
	for k := range v {
		switch k {
		case "limit", "before":
		default:
			h.fail(w, r, app.Errorf(app.EInvalid, k, "Tham số “%s” không được hỗ trợ.", "unknown parameter %q", k))
			return
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			h.fail(w, r, app.Errorf(app.EInvalid, "limit", "Số dòng mỗi trang phải là số nguyên dương.", "limit must be a positive integer"))
			return
		}
		limit = n
	}
	items, next, err := h.cfg.Service.AuditLog(p, limit, strings.TrimSpace(v.Get("before")))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}
