package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"xaso/app"
	"xaso/sync/hub/portal"
)

// standIn is the province's adapter in front of the national portal, as
// the connector must use it: it checks the shape of every call and keeps
// what it was given.
type standIn struct {
	t        *testing.T
	mu       sync.Mutex
	chunk    int
	failNext int                       // answer the next calls with HTTP 503
	dossiers map[string]map[string]any // MaHoSo → the last dossier taken
	progress map[string][]map[string]any
	creates  map[string]int
	updates  map[string]int
	calls    map[string]int
	sessions int
	expired  bool // the session is dropped once
}

const (
	user, pass, dst, unitCode = "xaso-ninhbinh", "mat-khau-lgsp", "VN:GOV:G22:DVCQG", "000.00.00.H42"
)

var (
	dateField = regexp.MustCompile(`^([0-9]{14})?$`)
	// The portal's dossier fields (../shared/domain/README.md), no more, no less.
	dossierKeys = []string{"MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "ChuHoSo", "SoGiayToChuHoSo",
		"LoaiDoiTuong", "MaDoiTuong", "ThongTinKhac", "Email", "Fax", "SoDienThoai", "TrichYeuHoSo", "NgayNopHoSo", "NgayTiepNhan",
		"NgayHenTra", "TrangThaiHoSo", "NgayTra", "ThongTinTra", "HinhThuc", "NgayKetThucXuLy", "NgayTuChoi", "DonViXuLy", "GhiChu",
		"HoSoCoThanhPhanSoHoa", "DuocThanhToanTrucTuyen", "DinhDanhCHS", "TaiLieuNop", "DanhSachLePhi", "DanhSachTepDinhKemKhac",
		"DanhSachHoSoBoSung", "DanhSachGiayToKetQua"}
	progressKeys = []string{"MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy", "TrangThai",
		"NgayBatDau", "NgayKetThucTheoQuyDinh"}
)

func newStandIn(t *testing.T, chunk int) (*standIn, *httptest.Server) {
	s := &standIn{t: t, chunk: chunk, dossiers: map[string]map[string]any{}, progress: map[string][]map[string]any{},
		creates: map[string]int{}, updates: map[string]int{}, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /session", s.session)
	mux.HandleFunc("POST /service", s.service)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv
}

func answer(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *standIn) session(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if r.Header.Get("dstcode") != dst || json.NewDecoder(r.Body).Decode(&in) != nil || len(in) != 2 {
		s.t.Errorf("session request: dstcode %q, body %v", r.Header.Get("dstcode"), in)
		http.Error(w, "bad request", 400)
		return
	}
	if in["username"] != user || in["password"] != pass {
		answer(w, map[string]any{"error_code": 1, "message": "Sai tài khoản"})
		return
	}
	s.mu.Lock()
	s.sessions++
	n := s.sessions
	s.mu.Unlock()
	answer(w, map[string]any{"error_code": 0, "session": "S" + strconv.Itoa(n)})
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sameKeys(m map[string]any, want []string) bool {
	w := slices.Clone(want)
	slices.Sort(w)
	return slices.Equal(keys(m), w)
}

// checkDossier reports what is wrong with a dossier's shape.
func checkDossier(d map[string]any) string {
	if !sameKeys(d, dossierKeys) {
		return fmt.Sprintf("fields %v", keys(d))
	}
	for _, f := range []string{"NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi"} {
		if s, ok := d[f].(string); !ok || !dateField.MatchString(s) {
			return fmt.Sprintf("%s = %v", f, d[f])
		}
	}
	if st, _ := d["TrangThaiHoSo"].(float64); st < 1 || st > 10 {
		return fmt.Sprintf("TrangThaiHoSo %v", d["TrangThaiHoSo"])
	}
	if k, _ := d["KenhThucHien"].(float64); k < 1 || k > 3 {
		return fmt.Sprintf("KenhThucHien %v", d["KenhThucHien"])
	}
	if d["MaHoSo"] == "" || d["NgayTiepNhan"] == "" || d["NgayHenTra"] == "" {
		return "MaHoSo, NgayTiepNhan and NgayHenTra are required"
	}
	for _, r := range d["DanhSachHoSoBoSung"].([]any) {
		for _, f := range []string{"NgayYeuCauBoSung", "NgayTiepNhanBoSung", "NgayHenTraTruoc", "NgayHenTraMoi"} {
			if s, ok := r.(map[string]any)[f].(string); !ok || !dateField.MatchString(s) {
				return fmt.Sprintf("supplement round %s = %v", f, r.(map[string]any)[f])
			}
		}
	}
	return ""
}

func (s *standIn) service(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		http.Error(w, "adapter busy", http.StatusServiceUnavailable)
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.t.Errorf("service body: %v", err)
		http.Error(w, "bad json", 400)
		return
	}
	if s.expired {
		s.expired = false
		answer(w, map[string]any{"error_code": 401, "message": "Session expired"})
		return
	}
	if in["session"] != "S"+strconv.Itoa(s.sessions) || in["madonvi"] != unitCode {
		s.t.Errorf("service call with session %v (current S%d), madonvi %v", in["session"], s.sessions, in["madonvi"])
		answer(w, map[string]any{"error_code": 401, "message": "Session không hợp lệ"})
		return
	}
	svc, _ := in["service"].(string)
	s.calls[svc]++
	switch svc {
	case portal.SvcLookup:
		code, _ := in["mahoso"].(string)
		if len(in) != 4 || code == "" {
			s.t.Errorf("TraCuuHoSo: %v", in)
		}
		if d, ok := s.dossiers[code]; ok {
			answer(w, map[string]any{"error_code": 0, "result": d})
			return
		}
		answer(w, map[string]any{"error_code": 1, "message": "Không tìm thấy hồ sơ"})
	case portal.SvcSync:
		upd, _ := in["isUpdating"].(string)
		data, _ := in["data"].([]any)
		if len(in) != 5 || (upd != "True" && upd != "False") || len(data) == 0 {
			s.t.Errorf("DongBoHoSoMC: isUpdating %#v, %d dossiers, fields %v", in["isUpdating"], len(data), keys(in))
		}
		for _, x := range data {
			d := x.(map[string]any)
			if why := checkDossier(d); why != "" {
				s.t.Errorf("DongBoHoSoMC %v: %s", d["MaHoSo"], why)
			}
			code := d["MaHoSo"].(string)
			_, exists := s.dossiers[code]
			switch {
			case d["MaTTHC"] == "9.999999":
				answer(w, map[string]any{"error_code": 2, "message": "Mã TTHC 9.999999 không có trong CSDL quốc gia"})
				return
			case upd == "False" && exists:
				answer(w, map[string]any{"error_code": 1, "message": "Hồ sơ " + code + " đã tồn tại"})
				return
			case upd == "True" && !exists:
				answer(w, map[string]any{"error_code": 3, "message": "Hồ sơ " + code + " không tồn tại để cập nhật"})
				return
			case upd == "False":
				s.creates[code]++
			default:
				s.updates[code]++
			}
			s.dossiers[code] = d
		}
		answer(w, map[string]any{"error_code": 0, "message": "Thành công"})
	case portal.SvcProgress:
		data, _ := in["data"].([]any)
		if len(in) != 4 || len(data) == 0 || len(data) > s.chunk {
			s.t.Errorf("CapNhatTienDoHoSoMC: %d rows (chunk %d), fields %v", len(data), s.chunk, keys(in))
		}
		for _, x := range data {
			p := x.(map[string]any)
			if !sameKeys(p, progressKeys) || !dateField.MatchString(p["ThoiDiemXuLy"].(string)) {
				s.t.Errorf("progress row: %v", p)
			}
			code := p["MaHoSo"].(string)
			if _, ok := s.dossiers[code]; !ok {
				answer(w, map[string]any{"error_code": 4, "message": "Không có hồ sơ " + code})
				return
			}
			s.progress[code] = append(s.progress[code], p)
		}
		answer(w, map[string]any{"error_code": 0})
	default:
		s.t.Errorf("unknown service %q", svc)
		answer(w, map[string]any{"error_code": 9, "message": "unknown service"})
	}
}

// memSource is a change feed in memory: the cursor is a position.
type memSource struct {
	mu      sync.Mutex
	changes []portal.Change
}

func (m *memSource) add(commune string, ds ...app.Dossier) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range ds {
		m.changes = append(m.changes, portal.Change{Commune: commune, Dossier: d})
	}
}

func (m *memSource) Changes(_ context.Context, cursor string, limit int) ([]portal.Change, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	from, _ := strconv.Atoi(cursor)
	to := min(from+limit, len(m.changes))
	return slices.Clone(m.changes[from:to]), strconv.Itoa(to), nil
}

// The connector pushes the hub's dossiers in the portal's shape: new or
// update as TraCuuHoSo says, progress in chunks, retries after an adapter
// failure with back-off, a report of what the portal refused, nothing
// sent twice into its state; only the new progress rows follow a change.
func TestConnectorPushesToStandIn(t *testing.T) {
	stand, srv := newStandIn(t, 2)
	now := vn(5, 8, 0)
	clock := func() time.Time { return now }
	box, err := portal.OpenOutbox(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	src := &memSource{}
	c := portal.New(portal.Config{SessionURL: srv.URL + "/session", ServiceURL: srv.URL + "/service", Username: user, Password: pass,
		DstCode: dst, MaDonVi: unitCode, ChunkSize: 2, Batch: 2, Now: clock, MinBackoff: time.Minute, MaxBackoff: time.Hour,
		Unit: func(string) portal.Unit { return portal.Unit{Name: "UBND xã Yên Mô"} }}, src, box)

	returned := yenMo0002(t)
	open := fold(t, "d-0003", "000.00.31.H42-261203-0003", "1.004873", "Xác nhận tình trạng hôn nhân", app.ChannelInPerson, binh, []step{
		{at: vn(3, 8, 0), by: "motcua", due: vn(6, 8, 0)},
		{at: vn(3, 9, 0), by: "motcua", action: app.ActForward, holder: "chuyenvien"},
	})
	online := fold(t, "d-0004", app.ProvisionalPrefix+"000.00.31.H42-261204-999999-0001", "1.004873", "Xác nhận tình trạng hôn nhân",
		app.ChannelOnline, binh, []step{{at: vn(4, 7, 0), by: "hub:admin", due: vn(9, 7, 0)}})
	unknown := fold(t, "d-0005", "000.00.31.H42-261204-0005", "9.999999", "Thủ tục không có", app.ChannelPost, binh, []step{
		{at: vn(4, 8, 0), by: "motcua", due: vn(5, 8, 0)}})
	earlier := fold(t, "d-0006", "000.00.31.H42-261130-0006", "1.004873", "Xác nhận tình trạng hôn nhân", app.ChannelInPerson, binh, []step{
		{at: vn(1, 7, 0), by: "motcua", due: vn(3, 7, 0)}})
	stand.dossiers[earlier.Code] = map[string]any{"MaHoSo": earlier.Code} // sent by an earlier system
	src.add("14701", returned, open, online, unknown, earlier)

	ctx := context.Background()
	queued, err := c.Collect(ctx)
	if err != nil || queued != 4 {
		t.Fatalf("collect: %d queued, %v (want 4: the provisional online dossier waits for its code)", queued, err)
	}
	stand.failNext = 3 // the adapter is down for a while
	f, err := c.Flush(ctx)
	if err != nil || f.Failed == 0 {
		t.Fatalf("flush with the adapter down: %+v %v", f, err)
	}
	if r, _ := c.Report(); r.Pending == 0 || r.LastError == "" {
		t.Fatalf("report while the adapter is down: %+v", r)
	}
	if f, err := c.Flush(ctx); err != nil || f.Sent+f.Failed+f.Refused != 0 {
		t.Fatalf("a flush before the back-off passed tried again: %+v %v", f, err)
	}
	stand.expired = true // and drops the session once
	now = now.Add(2 * time.Hour)
	if _, err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := c.Report()
	if err != nil {
		t.Fatal(err)
	}
	if r.Pending != 0 || len(r.Refused) != 1 || r.Refused[0].MaHoSo != unknown.Code || r.Refused[0].Service != portal.SvcSync ||
		r.Refused[0].Message == "" {
		t.Fatalf("report: %+v", r)
	}
	for _, d := range []app.Dossier{returned, open} {
		if stand.creates[d.Code] != 1 || stand.updates[d.Code] != 0 {
			t.Errorf("%s: created %d times, updated %d", d.Code, stand.creates[d.Code], stand.updates[d.Code])
		}
		want, rows := portal.Export(d, portal.Unit{Name: "UBND xã Yên Mô"})
		raw, _ := json.Marshal(want)
		var w map[string]any
		json.Unmarshal(raw, &w)
		if fmt.Sprint(stand.dossiers[d.Code]) != fmt.Sprint(w) {
			t.Errorf("%s at the portal:\n%v\nwant\n%v", d.Code, stand.dossiers[d.Code], w)
		}
		if len(stand.progress[d.Code]) != len(rows) {
			t.Errorf("%s: %d progress rows at the portal, want %d", d.Code, len(stand.progress[d.Code]), len(rows))
		}
	}
	if stand.creates[earlier.Code] != 0 || stand.updates[earlier.Code] != 1 {
		t.Errorf("a dossier the portal held already: created %d, updated %d", stand.creates[earlier.Code], stand.updates[earlier.Code])
	}
	if _, ok := stand.dossiers[online.Code]; ok {
		t.Error("a provisional code reached the portal")
	}
	if stand.calls[portal.SvcProgress] < 4 {
		t.Errorf("progress calls: %d (6 rows of one dossier in chunks of 2 are 3 calls alone)", stand.calls[portal.SvcProgress])
	}

	// The open dossier moves on; the returned one is seen again unchanged.
	calls := stand.calls[portal.SvcSync]
	lookups := stand.calls[portal.SvcLookup]
	moved := fold(t, "d-0003", "000.00.31.H42-261203-0003", "1.004873", "Xác nhận tình trạng hôn nhân", app.ChannelInPerson, binh, []step{
		{at: vn(3, 8, 0), by: "motcua", due: vn(6, 8, 0)},
		{at: vn(3, 9, 0), by: "motcua", action: app.ActForward, holder: "chuyenvien"},
		{at: vn(5, 9, 0), by: "chuyenvien", action: app.ActResolve},
	})
	src.add("14701", returned, moved)
	if queued, err := c.Collect(ctx); err != nil || queued != 1 {
		t.Fatalf("collect after a change: %d queued, %v", queued, err)
	}
	if f, err := c.Flush(ctx); err != nil || f.Sent != 1 {
		t.Fatalf("flush after a change: %+v %v", f, err)
	}
	if stand.updates[moved.Code] != 1 || stand.creates[moved.Code] != 1 || stand.calls[portal.SvcSync] != calls+1 ||
		stand.calls[portal.SvcLookup] != lookups {
		t.Errorf("the change: updates %d, creates %d, sync calls %d (was %d), look-ups %d (was %d)", stand.updates[moved.Code],
			stand.creates[moved.Code], stand.calls[portal.SvcSync], calls, stand.calls[portal.SvcLookup], lookups)
	}
	if n := len(stand.progress[moved.Code]); n != 3 || stand.progress[moved.Code][2]["TrangThai"] != float64(9) {
		t.Errorf("progress rows after the change: %d, last %v (only the new row follows)", n, stand.progress[moved.Code][n-1])
	}
	if cur, _ := box.Cursor(); cur != "7" {
		t.Errorf("cursor %q, want 7", cur)
	}
}

// Wrong credentials: nothing is lost, the states wait with the reason.
func TestConnectorWrongPassword(t *testing.T) {
	_, srv := newStandIn(t, 50)
	box, err := portal.OpenOutbox(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	src := &memSource{}
	src.add("14701", yenMo0002(t))
	c := portal.New(portal.Config{SessionURL: srv.URL + "/session", ServiceURL: srv.URL + "/service", Username: user, Password: "sai",
		DstCode: dst, MaDonVi: unitCode}, src, box)
	if _, err := c.Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f, err := c.Flush(context.Background()); err != nil || f.Failed != 1 {
		t.Fatalf("flush: %+v %v", f, err)
	}
	if r, _ := c.Report(); r.Pending != 1 || len(r.Refused) != 0 || r.LastError == "" {
		t.Fatalf("report: %+v", r)
	}
}
