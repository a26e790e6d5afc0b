package app

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Queues a list can be asked for.
const (
	QueueMine       = "mine"       // open dossiers held by the caller
	QueueDueToday   = "due_today"  // open dossiers due today
	QueueOverdue    = "overdue"    // open, running dossiers past their due date
	QueueSupplement = "supplement" // waiting for the citizen's supplement
	QueueOpen       = "open"       // every open dossier, soonest due first
	QueueToReturn   = "to_return"  // results ready, waiting at the desk for the citizen
	QueueOnline     = "online"     // submitted online (from the province), waiting to be received or refused
)

// ListQuery selects dossiers. The store chooses the index from it.
type ListQuery struct {
	Status Status
	Q      string // a name (diacritics optional), an ID or phone number, or a dossier code
	Queue  string
	Holder string // QueueMine
	DueMin time.Time
	DueMax time.Time
	Limit  int
	After  string // opaque cursor from the previous page
}

// SearchKind says how the store should treat ListQuery.Q.
type SearchKind int

const (
	SearchNone     SearchKind = iota
	SearchName                // a name, diacritics optional: name index
	SearchNumber              // an ID or phone number (or its start): number index
	SearchCode                // a whole dossier code: code index
	SearchCodePart            // a fragment of a code ("0005", "261204-0005"): CodeMatches over the code index
)

var (
	// wholeCode is a dossier code (app/codes.go), provisional or not.
	wholeCode = regexp.MustCompile(`(?:TAM-)?[0-9A-Z]{1,3}(?:\.[0-9A-Z]{2,3}){3}-[0-9]{6}-(?:[0-9]{6}-)?[0-9]{4}`)
	// codePart is the end of a code: number, day-number, or more.
	codePart = regexp.MustCompile(`^(?:[0-9A-Z.]*-)?(?:[0-9]{6}-)?[0-9]{1,4}$`)
)

// ClassifySearch decides what the one search box was given: a scanned
// receipt QR (the lookup link, which carries the code) or a whole code; a
// scanned chip-ID QR (its ID number is searched); a fragment of a code (the
// number of the day, "0005", or "261204-0005"); an ID or phone number
// (digits only); or a name.
func ClassifySearch(q string) (SearchKind, string) {
	q = strings.TrimSpace(q)
	if q == "" {
		return SearchNone, ""
	}
	if id, _, ok := strings.Cut(q, "|"); ok && digits12.MatchString(strings.TrimSpace(id)) {
		return SearchNumber, strings.TrimSpace(id) // the chip-ID card's QR: ID|old ID|name|…
	}
	up := strings.ToUpper(q)
	if u, err := url.QueryUnescape(up); err == nil {
		up = u
	}
	if c := wholeCode.FindString(up); c != "" {
		return SearchCode, c
	}
	if codePart.MatchString(up) && (strings.Contains(up, "-") || len(up) <= 4) {
		if len(up) < 4 && !strings.Contains(up, "-") {
			up = strings.Repeat("0", 4-len(up)) + up // "5" is number 0005
		}
		return SearchCodePart, up
	}
	if strings.Trim(q, "0123456789 ") == "" {
		return SearchNumber, strings.ReplaceAll(q, " ", "")
	}
	return SearchName, TextKey(q)
}

// CodeMatches tells whether code ends with part at a dash ("0005" and
// "261204-0005" match 000.00.31.H42-261204-0005) or has it as whole
// segments before a dash ("261204-" the day's dossiers).
func CodeMatches(code, part string) bool {
	if strings.HasPrefix(part, "-") {
		part = part[1:]
	}
	i := strings.Index(code+"-", part+"-")
	return i == 0 || i > 0 && (code[i-1] == '-' || code[i-1] == '.' || strings.Contains(part, "-"))
}

// ListDossiers checks a list request and runs it.
func (s *Service) ListDossiers(p Principal, q ListQuery) ([]Dossier, string, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 500 {
		return nil, "", Errorf(EInvalid, "limit", "Số dòng mỗi trang tối đa là 500.", "limit must be at most 500")
	}
	if q.Status != "" {
		if _, ok := q.Status.Info(); !ok {
			return nil, "", Errorf(EInvalid, "status", "Trạng thái không hợp lệ: %q.", "unknown status %q", string(q.Status))
		}
	}
	if len(q.Q) > MaxIDCardQR {
		return nil, "", Errorf(EInvalid, "q", "Từ khóa tìm kiếm quá dài.", "the search text is too long")
	}
	now := s.Now()
	switch q.Queue {
	case "", QueueOpen:
	case QueueMine:
		q.Holder = p.Username
	case QueueDueToday:
		q.DueMin = dateOf(now)
		q.DueMax = dateOf(now).AddDate(0, 0, 1)
	case QueueOverdue:
		q.DueMax = now
	case QueueSupplement:
		q.Status = StatusSupplementRequested
		q.Queue = ""
	case QueueToReturn:
		q.Status = StatusResultReady
		q.Queue = ""
	case QueueOnline:
		q.Status = StatusSubmitted
		q.Queue = ""
	default:
		return nil, "", Errorf(EInvalid, "queue", "Hàng đợi không hợp lệ: %q.", "unknown queue %q", q.Queue)
	}
	items, next, err := s.cfg.Reader.Dossiers(q)
	if err != nil {
		return nil, "", err
	}
	if q.Queue == QueueOverdue && q.After == "" && q.Q == "" {
		// The overdue index leaves out the dossiers waiting for a
		// supplement; those late before the request are late still.
		waiting, _, err := s.cfg.Reader.Dossiers(ListQuery{Status: StatusSupplementRequested, Limit: 500})
		if err != nil {
			return nil, "", err
		}
		for _, d := range waiting {
			if d.Overdue(now) {
				items = append(items, d)
			}
		}
	}
	if k, _ := ClassifySearch(q.Q); k != SearchNone {
		// What the search box finds comes newest first (the citizen who
		// comes back is most likely one of the latest).
		// IDs begin with the hybrid time of entry: the tie-break.
		slices.SortStableFunc(items, func(a, b Dossier) int {
			if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
	}
	return items, next, nil
}

// Stats counts the commune's dossiers for the dashboard.
type Stats struct {
	ByStatus   map[Status]int `json:"by_status"`
	Total      int            `json:"total"`
	Overdue    int            `json:"overdue"`
	DueToday   int            `json:"due_today"`
	Processed  map[Timing]int `json:"processed"`
	OnTimeRate *float64       `json:"on_time_rate"` // (early + on time) / processed; null when nothing is processed yet
}

// Stats returns the dashboard counts.
func (s *Service) Stats(p Principal) (Stats, error) {
	now := s.Now()
	st, err := s.cfg.Reader.Counts(now)
	if err != nil {
		return Stats{}, Internal(err)
	}
	// The store's count leaves out every dossier waiting for a supplement
	// (its clock is paused); those already late when paused are still late.
	// They are few: read them from the status index.
	waiting, _, err := s.cfg.Reader.Dossiers(ListQuery{Status: StatusSupplementRequested, Limit: 500})
	if err != nil {
		return Stats{}, Internal(err)
	}
	for _, d := range waiting {
		if d.Overdue(now) {
			st.Overdue++
		}
	}
	done := st.Processed[TimingEarly] + st.Processed[TimingOnTime] + st.Processed[TimingLate]
	if done > 0 {
		r := float64(st.Processed[TimingEarly]+st.Processed[TimingOnTime]) / float64(done)
		st.OnTimeRate = &r
	}
	return st, nil
}

// DossierView is a dossier as one official sees it now: with what is
// derived (overdue, the actions this official may take, replication).
type DossierView struct {
	Dossier
	ProcedureCode  string   `json:"procedure_code"`
	ProcedureName  string   `json:"procedure_name"`
	StatusCode     int      `json:"status_code"`
	StatusVi       string   `json:"status_vi"`
	Overdue        bool     `json:"overdue"`
	Replicated     bool     `json:"replicated"`
	CodeClash      bool     `json:"code_clash"` // another dossier bears the same code: give one a new code
	AllowedActions []Action `json:"allowed_actions"`
	// Names are the full names of the officials the dossier names (who
	// received it, holds it, acted in its history): screens show people, not
	// login names.
	Names map[string]string `json:"names,omitempty"`
}

// View derives the official's view of d.
func (s *Service) View(p Principal, d Dossier) DossierView {
	info, _ := d.Status.Info()
	v := DossierView{Dossier: d, ProcedureCode: d.Procedure.Code, ProcedureName: d.Procedure.Name,
		StatusCode: info.Code, StatusVi: info.Vi, Overdue: d.Overdue(s.Now()), AllowedActions: []Action{}}
	n, err := s.cfg.Reader.Unreplicated("dossier/" + d.ID)
	v.Replicated = err == nil && n == 0
	if claims, err := s.cfg.Reader.CodeClaims(d.Code); err == nil && len(claims) > 1 {
		v.CodeClash = true
	}
	for _, a := range allActions {
		if !Permitted(p.Roles, a) {
			continue
		}
		if _, why := d.Next(a); why == "" {
			v.AllowedActions = append(v.AllowedActions, a)
		}
	}
	if (d.Status == StatusReceived || d.Status == StatusProcessing) && d.ExtensionHours == 0 &&
		s.procedureExtension(d.Procedure) != nil && Permitted(p.Roles, ActExtend) {
		v.AllowedActions = append(v.AllowedActions, ActExtend)
	}
	if (v.CodeClash || d.Provisional) && Permitted(p.Roles, ActRecode) {
		v.AllowedActions = append(v.AllowedActions, ActRecode)
	}
	v.Names = s.names(d)
	return v
}

// names maps each official d names to their full name (those without one,
// or no longer known, are left out: the screen shows the login name).
func (s *Service) names(d Dossier) map[string]string {
	out := map[string]string{}
	add := func(u string) {
		if _, done := out[u]; done || u == "" || u == "system" {
			return
		}
		out[u] = ""
		if user, err := s.cfg.Reader.User(u); err == nil && user.FullName != "" {
			out[u] = user.FullName
		}
	}
	add(d.ReceivedBy)
	add(d.Holder)
	for _, e := range d.History {
		add(e.By)
		add(e.Holder)
	}
	for _, a := range d.Attachments {
		add(a.By)
	}
	if d.Rating != nil {
		add(d.Rating.By)
	}
	for u, n := range out {
		if n == "" {
			delete(out, u)
		}
	}
	return out
}

var actionNamesVi = map[Action]string{
	ActReceive: "tiếp nhận", ActRefuse: "từ chối tiếp nhận", ActForward: "chuyển xử lý",
	ActRequestSupplement: "yêu cầu bổ sung", ActSupplement: "nhận bổ sung", ActRequestPayment: "yêu cầu nộp phí",
	ActPaid: "xác nhận đã nộp phí", ActStop: "dừng xử lý", ActResolve: "hoàn thành xử lý",
	ActReturn: "trả kết quả", ActWithdraw: "rút hồ sơ", ActApologize: "xin lỗi và hẹn lại",
	ActExtend: "kéo dài thời hạn theo quy định", ActHandOver: "chuyển người xử lý", ActReassign: "giao lại hồ sơ",
}

func actionVi(a Action) string {
	if s, ok := actionNamesVi[a]; ok {
		return s
	}
	return string(a)
}

func statusVi(s Status) string {
	if i, ok := s.Info(); ok {
		return i.Vi
	}
	return string(s)
}
