package api

import (
	"context"
	"net/http"
	"time"

	"xaso/app"
)

// UpdateState is the update part of Health (DESIGN §8.1: `update` is
// {"current","available","state"} once updates exist).
type UpdateState struct {
	Current   string `json:"current"`
	Available string `json:"available"`
	State     string `json:"state"`
	Problem   string `json:"problem,omitempty"`
}

// UpdateEvent is one line of the update history.
type UpdateEvent struct {
	At      time.Time `json:"at"`
	State   string    `json:"state"`
	Target  string    `json:"target,omitempty"`
	Version string    `json:"version,omitempty"`
	Problem string    `json:"problem,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// UpdateAdmin is what the update endpoints need of the node.
type UpdateAdmin interface {
	UpdateStatus() (UpdateState, []UpdateEvent)
	// InstallNow installs a staged or available binary at once (the admin's
	// "install now"); the answer comes before the restart.
	InstallNow(ctx context.Context) error
}

// MountUpdate adds the admin's update endpoints: GET /api/v1/update (the
// state and its history) and POST /api/v1/update/install ("install now").
func (h *Handler) MountUpdate(u UpdateAdmin) {
	h.mux.HandleFunc("GET /api/v1/update", h.updateAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		st, hist := u.UpdateStatus()
		if hist == nil {
			hist = []UpdateEvent{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"update": st, "history": hist})
	}))
	h.mux.HandleFunc("POST /api/v1/update/install", h.updateAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		if err := u.InstallNow(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
		h.cfg.Service.RecordAdminAction(r.Context(), p, app.AuditUpdateInstall, "")
		st, _ := u.UpdateStatus()
		writeJSON(w, http.StatusAccepted, map[string]any{"update": st})
	}))
}

var forbiddenUpdate = app.Errorf(app.EForbidden, "", "Chỉ quản trị viên được xem và cài bản cập nhật.",
	"only an admin may see and install updates")

func (h *Handler) updateAdmin(next authed) http.HandlerFunc {
	return h.auth(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		if !p.Has(app.RoleAdmin) {
			h.fail(w, r, forbiddenUpdate)
			return
		}
		next(w, r, p)
	})
}
