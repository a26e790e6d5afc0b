package api

import (
	"context"
	"net/http"

	"xaso/app"
)

// ClusterAdmin is the LAN cluster as the API sees it (the wiring provides it).
type ClusterAdmin interface {
	Status(withHash bool) (any, error)               // GET /api/v1/cluster[?state_hash=1]
	Remove(ctx context.Context, nodeID string) error // take a dead PC out
	Recover(ctx context.Context) error               // restart a cluster that lost its quorum for good
	JoinCode() (JoinCode, error)                     // the office's join code (admin)
	RotateJoinCode(ctx context.Context) (JoinCode, error)
	JoinWithCode(ctx context.Context, code string) (JoinCode, error) // take this PC into the office of code
}

// JoinCode is GET and POST /api/v1/cluster/join-code: the code a new PC
// of the office is set up with (XASO_JOIN_SECRET), in groups of four.
type JoinCode struct {
	Code       string   `json:"code"`
	Epoch      int      `json:"epoch"`                 // how many codes the office has had
	NotReached []string `json:"not_reached,omitempty"` // after a rotation: members that need the new code
}

// MountCluster adds the cluster endpoints: GET /api/v1/cluster for any
// signed-in official (the status bar's peers; with ?state_hash=1 also the
// hash of the whole state, which reads every record: for tests and for
// comparing PCs by hand), and the admin actions
// POST /api/v1/cluster/remove {"node_id"} and POST /api/v1/cluster/recover,
// GET / POST (rotate) /api/v1/cluster/join-code, and POST /api/v1/cluster/join
// {"code"}, which takes this PC into the office of a typed join code, and
// POST /api/v1/cluster/names {"node_id","name"}, which names a PC.
func (h *Handler) MountCluster(c ClusterAdmin) {
	h.mux.HandleFunc("GET /api/v1/cluster", h.auth(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		withHash := r.URL.Query().Get("state_hash") == "1"
		if withHash && !p.Has(app.RoleAdmin) { // it reads the whole state: not for every desk
			h.fail(w, r, app.Errorf(app.EForbidden, "", "Chỉ quản trị viên được tính mã băm trạng thái.",
				"only an admin may ask for the state hash"))
			return
		}
		s, err := c.Status(withHash)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	}))
	h.mux.HandleFunc("POST /api/v1/cluster/remove", h.clusterAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		var req struct {
			NodeID string `json:"node_id"`
		}
		if err := h.decode(w, r, &req); err != nil {
			h.fail(w, r, err)
			return
		}
		if err := c.Remove(r.Context(), req.NodeID); err != nil {
			h.fail(w, r, err)
			return
		}
		h.cfg.Service.RecordAdminAction(r.Context(), p, app.AuditClusterRemove, "node="+req.NodeID)
		writeJSON(w, http.StatusOK, map[string]string{"removed": req.NodeID})
	}))
	// The join code lets a PC into the office: admins only, never cached.
	h.mux.HandleFunc("GET /api/v1/cluster/join-code", h.clusterAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		h.writeJoinCode(w, r)(c.JoinCode())
	}))
	h.mux.HandleFunc("POST /api/v1/cluster/join-code", h.clusterAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		h.writeJoinCode(w, r)(c.RotateJoinCode(r.Context()))
	}))
	h.mux.HandleFunc("POST /api/v1/cluster/join", h.clusterAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		var req struct {
			Code string `json:"code"`
		}
		if err := h.decode(w, r, &req); err != nil {
			h.fail(w, r, err)
			return
		}
		h.writeJoinCode(w, r)(c.JoinWithCode(r.Context(), req.Code))
	}))
	// A PC's name as officials know it (app/pcname.go): any PC of the
	// office, on or off; the name is a command of the office's log.
	h.mux.HandleFunc("POST /api/v1/cluster/names", h.clusterAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		var req struct {
			NodeID string `json:"node_id"`
			Name   string `json:"name"`
		}
		if err := h.decode(w, r, &req); err != nil {
			h.fail(w, r, err)
			return
		}
		n, err := h.cfg.Service.NamePC(r.Context(), p, req.NodeID, req.Name)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, n)
	}))
	h.mux.HandleFunc("POST /api/v1/cluster/recover", h.clusterAdmin(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		if err := c.Recover(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
		h.cfg.Service.RecordAdminAction(r.Context(), p, app.AuditClusterRecover, "")
		s, err := c.Status(false)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	}))
}

// clusterAdmin is auth for the cluster's admin actions.
func (h *Handler) clusterAdmin(next authed) http.HandlerFunc {
	return h.auth(func(w http.ResponseWriter, r *http.Request, p app.Principal) {
		if !p.Has(app.RoleAdmin) {
			h.fail(w, r, forbiddenCluster)
			return
		}
		next(w, r, p)
	})
}

// writeJoinCode answers with a join code, never cached, or the error.
func (h *Handler) writeJoinCode(w http.ResponseWriter, r *http.Request) func(JoinCode, error) {
	return func(jc JoinCode, err error) {
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, jc)
	}
}

var forbiddenCluster = app.Errorf(app.EForbidden, "", "Chỉ quản trị viên được thay đổi cụm máy.",
	"only an admin may change the cluster")
