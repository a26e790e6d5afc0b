package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/hub/portal"
)

// A dossier the portal pushes enters through the hub as an online dossier
// of its commune, once however often it is pushed; bad ones are answered
// with the reason and keep nothing; its progress goes back to the portal
// under the portal's MaHoSo, though the desk's code is provisional.
func TestInboundDossierEntersAsOnline(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "hub"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := vn(4, 10, 0)
	h, err := hub.New(hub.Config{Storage: st, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutCommuneInfo(hub.CommuneInfo{Code: "14701"}); err != nil {
		t.Fatal(err)
	}
	box, err := portal.OpenOutbox(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	stand, adapter := newStandIn(t, 50)
	conn := portal.New(portal.Config{SessionURL: adapter.URL + "/session", ServiceURL: adapter.URL + "/service", Username: user,
		Password: pass, DstCode: dst, MaDonVi: unitCode, InboundToken: "bi-mat-cua-lgsp", Now: func() time.Time { return now }},
		portal.ScanSource{Storage: st}, box)
	h.Handle("POST "+portal.PathInbound, conn.Inbound(h))
	srv := httptest.NewServer(h)
	defer srv.Close()

	push := func(token string, body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+portal.PathInbound, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	good := portal.Dossier{MaHoSo: "G22.99.01-261204-0007", MaTTHC: "1.004873", ChuHoSo: "Trần Thị Bình", SoGiayToChuHoSo: "037190001234",
		SoDienThoai: "0912345678", NgayNopHoSo: "20261204080000", KenhThucHien: 2,
		TaiLieuNop: []portal.Paper{{TenGiayTo: "Tờ khai", SoBan: 1, LoaiBan: "original"}}}
	bad := good
	bad.MaHoSo, bad.MaTTHC = "G22.99.01-261204-0008", "9.999999"
	body := map[string]any{"madonvi": "14701", "data": []portal.Dossier{good, bad}}

	if st, _ := push("sai", body); st != 401 {
		t.Fatalf("a wrong token: %d", st)
	}
	var ids []string
	for range 2 { // the portal sends it again (a lost answer)
		code, out := push("bi-mat-cua-lgsp", body)
		res := out["result"].([]any)
		first, second := res[0].(map[string]any), res[1].(map[string]any)
		if code != 200 || first["error_code"] != float64(0) || first["dossier_id"] == "" || second["error_code"] != float64(400) ||
			second["message"] == "" {
			t.Fatalf("push: %d %v", code, out)
		}
		ids = append(ids, first["dossier_id"].(string))
	}
	if ids[0] != ids[1] {
		t.Fatalf("the same MaHoSo made two dossiers: %v", ids)
	}
	cl, err := st.Commune("14701")
	if err != nil {
		t.Fatal(err)
	}
	if cl.Count() != 1 {
		t.Fatalf("the commune holds %d commands, want the one online dossier", cl.Count())
	}
	d, err := cl.Dossier(ids[0])
	if err != nil || d.Status != app.StatusSubmitted || d.Channel != app.ChannelOnline || d.Applicant.FullName != "Trần Thị Bình" ||
		!d.ReceivedAt.Equal(vn(4, 8, 0)) {
		t.Fatalf("the online dossier: %+v %v", d, err)
	}
	// Its state goes back under the portal's MaHoSo (the portal holds it: an update).
	stand.dossiers[good.MaHoSo] = map[string]any{"MaHoSo": good.MaHoSo}
	if n, err := conn.Collect(context.Background()); err != nil || n != 1 {
		t.Fatalf("collect: %d %v", n, err)
	}
	if f, err := conn.Flush(context.Background()); err != nil || f.Sent != 1 {
		t.Fatalf("flush: %+v %v", f, err)
	}
	if stand.updates[good.MaHoSo] != 1 || stand.dossiers[good.MaHoSo]["TrangThaiHoSo"] != float64(1) ||
		len(stand.progress[good.MaHoSo]) != 1 {
		t.Fatalf("at the portal: updates %d, %v, progress %v", stand.updates[good.MaHoSo], stand.dossiers[good.MaHoSo], stand.progress[good.MaHoSo])
	}
}
