package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReceiveInput is what the desk types for a new dossier.
type ReceiveInput struct {
	ProcedureCode string     `json:"procedure_code"`
	Applicant     Applicant  `json:"applicant"`
	Documents     []Document `json:"documents"`
	Note          string     `json:"note"`
	Channel       Channel    `json:"channel"`
	ReceivedAt    *time.Time `json:"received_at"` // back-entered after an outage
	// Extension is the statutory extension chosen at receipt, if the
	// procedure allows one (app/extension.go).
	Extension *ExtensionInput `json:"extension"`
	// Facts are the civil-status facts to register when the dossier is
	// resolved, for a procedure with a register (app/registers.go).
	Facts *Facts `json:"facts"`
}

// BackEntryWindow is how far back a paper receipt may be entered.
const BackEntryWindow = 60 * 24 * time.Hour

// Receive records a dossier handed in at the desk and returns it with its
// code and due date. The same idempotency key from the same official
// returns the first dossier, never a second one.
func (s *Service) Receive(ctx context.Context, p Principal, in ReceiveInput, idemKey string) (Dossier, error) {
	if !p.Has(RoleReceiver) {
		return Dossier{}, forbidden()
	}
	var idem, idemSum string
	if idemKey != "" {
		if len(idemKey) > 200 {
			return Dossier{}, Errorf(EInvalid, "Idempotency-Key", "Khóa chống trùng quá dài.", "the Idempotency-Key is too long")
		}
		sum := sha256.Sum256([]byte(p.Username + "\x00" + idemKey))
		idem = hex.EncodeToString(sum[:16])
		defer s.lockDossier(idem)() // a retry racing its first try waits for it
		raw, _ := json.Marshal(in)
		bsum := sha256.Sum256(raw)
		idemSum = hex.EncodeToString(bsum[:8])
		if id, err := s.cfg.Reader.DossierIDByIdem(idem); err == nil {
			d, err := s.cfg.Reader.Dossier(id)
			if err == nil && d.IdemSum != "" && d.IdemSum != idemSum {
				return Dossier{}, Errorf(EIdemReused, "Idempotency-Key", "Khóa chống trùng này đã dùng cho một hồ sơ khác nội dung.",
					"this Idempotency-Key was used with a different request")
			}
			return d, err
		} else if ErrorCode(err) != ENotFound {
			return Dossier{}, Internal(err)
		}
	}
	at := s.cfg.Clock.Next()
	now := at.Time().In(vnZone)
	// Every invalid field of the form is answered at once (Problems).
	var probs Problems
	received := now
	if in.ReceivedAt != nil {
		r := in.ReceivedAt.In(vnZone)
		switch {
		case r.After(now.Add(time.Minute)):
			probs.Add(Errorf(EInvalid, "received_at", "Thời điểm đã nhận không được ở tương lai.", "The time received cannot be in the future"))
		case r.Before(now.Add(-BackEntryWindow)):
			probs.Add(Errorf(EInvalid, "received_at", "Chỉ được nhập bù hồ sơ đã nhận trong vòng 60 ngày.",
				"A paper receipt can be entered at most 60 days late"))
		case r.After(now):
		default:
			received = r
		}
	}
	pcode := strings.TrimSpace(in.ProcedureCode)
	proc, version, ok := s.catalogs().Lookup(pcode, received)
	switch {
	case pcode == "":
		probs.Add(Errorf(EInvalid, "procedure_code", "Vui lòng chọn thủ tục hành chính.", "Choose the administrative procedure"))
	case !ok:
		probs.Add(Errorf(EInvalid, "procedure_code", "Thủ tục hành chính “%s” không có trong danh mục đang áp dụng.",
			"The procedure %q is not in the catalog in force", clip(pcode)))
	}
	a := NormalizeApplicant(in.Applicant)
	ApplicantProblems(&probs, a, now)
	docs, err := checkDocuments(in.Documents, proc)
	probs.Add(err)
	if utf8.RuneCountInString(in.Note) > 1000 {
		probs.Add(Errorf(EInvalid, "note", "Ghi chú quá dài (tối đa 1000 ký tự).", "The note is too long (at most 1000 characters)"))
	}
	ch := in.Channel
	switch ch {
	case "":
		ch = ChannelInPerson
	case ChannelInPerson, ChannelPost:
	default:
		probs.Add(Errorf(EInvalid, "channel", "Kênh tiếp nhận tại quầy chỉ là trực tiếp hoặc bưu chính.",
			"The desk receives in person or by post"))
	}
	if in.Extension != nil && ok {
		probs.Add(checkExtension(proc.Extension, *in.Extension))
	}
	facts, err := checkReceiveFacts(proc.Register, in.Facts, now)
	probs.Add(err)
	if err := probs.Err(); err != nil {
		return Dossier{}, err
	}
	due, extHours := s.calendar().Due(received, proc.Rule), 0
	if in.Extension != nil {
		due, extHours = s.dueWith(received, proc.Rule, in.Extension.Hours), in.Extension.Hours
		in.Note = strings.TrimSpace(strings.TrimSpace(in.Note) + "\n" + extensionNote(*in.Extension))
	}
	code, slot, seq, err := s.nextCode(ctx, received)
	if err != nil {
		return Dossier{}, err
	}
	body := &ReceiveBody{Facts: facts, Code: code, Slot: slot, Seq: seq, Channel: ch, Applicant: a, Documents: docs,
		Note: strings.TrimSpace(in.Note), ReceivedAt: received,
		Procedure: ProcedureRef{Code: proc.Code, Name: proc.Name, Version: version, Rule: proc.Rule, Register: proc.Register},
		DueAt:     due, Idem: idem, IdemSum: idemSum, ExtensionHours: extHours}
	id := s.newID(at)
	body.DossierID = id
	c, err := s.commandAt(id, KindDossierReceive, p.Username, at, body)
	if err != nil {
		return Dossier{}, err
	}
	withNewFields(&c, body.Facts != nil || body.Procedure.Register != "")
	if err := s.append(ctx, c); err != nil {
		return Dossier{}, err
	}
	// A new dossier's state is its first command folded: no read needed.
	var d Dossier
	d.Apply(c, body)
	return d, nil
}

func checkDocuments(in []Document, proc Procedure) ([]Document, error) {
	if len(in) == 0 {
		return append([]Document{}, proc.Documents...), nil
	}
	if len(in) > 50 {
		return nil, Errorf(EInvalid, "documents", "Tối đa 50 loại giấy tờ.", "at most 50 documents")
	}
	out := make([]Document, 0, len(in))
	for i, d := range in {
		d.Name = strings.Join(strings.Fields(d.Name), " ")
		field := "documents." + strconv.Itoa(i)
		if d.Name == "" || utf8.RuneCountInString(d.Name) > 200 {
			return nil, Errorf(EInvalid, field+".name", "Tên giấy tờ không được để trống (tối đa 200 ký tự).",
				"a document needs a name (at most 200 characters)")
		}
		if d.Copies < 1 || d.Copies > 100 {
			return nil, Errorf(EInvalid, field+".copies", "Số bản giấy tờ phải từ 1 đến 100.", "copies must be between 1 and 100")
		}
		// The English name is the catalog's, never the desk's own words.
		d.NameEn = ""
		for _, c := range proc.Documents {
			if c.Name == d.Name {
				d.NameEn = c.NameEn
				break
			}
		}
		if !validDocForm(d.Form) {
			return nil, Errorf(EInvalid, field+".form", "Hình thức giấy tờ phải là bản chính, bản sao hoặc bản sao chứng thực.",
				"form must be original, copy or certified_copy")
		}
		out = append(out, d)
	}
	return out, nil
}

// ActInput is a lifecycle action requested by an official.
type ActInput struct {
	Action   Action     `json:"action"`
	Note     string     `json:"note"`
	NewDueAt *time.Time `json:"new_due_at"` // apologize
	Assignee string     `json:"assignee"`   // forward: the specialist who takes it
	// Extension: extend, the statutory extension chosen (app/extension.go).
	Extension *ExtensionInput `json:"extension"`
	// Facts: resolve, the civil-status facts to register when the desk did
	// not collect them at receipt (or corrects them before registration).
	Facts *Facts `json:"facts"`
}

// Act takes a lifecycle action on the dossier with the given code.
func (s *Service) Act(ctx context.Context, p Principal, code string, in ActInput) (Dossier, error) {
	id, err := s.dossierID(code)
	if err != nil {
		return Dossier{}, err
	}
	if _, ok := permissions[in.Action]; !ok {
		return Dossier{}, Errorf(EInvalid, "action", "Thao tác không hợp lệ: %q.", "unknown action %q", string(in.Action))
	}
	if utf8.RuneCountInString(in.Note) > 1000 {
		return Dossier{}, Errorf(EInvalid, "note", "Ghi chú quá dài (tối đa 1000 ký tự).", "the note is too long (at most 1000 characters)")
	}
	if !Permitted(p.Roles, in.Action) {
		return Dossier{}, forbidden()
	}
	unlock := s.lockDossier(id)
	defer unlock()
	d, err := s.cfg.Reader.Dossier(id)
	if err != nil {
		return Dossier{}, err
	}
	if in.Action == ActRecode {
		return s.recode(ctx, p, d, in.Note)
	}
	if in.Action == ActReassign {
		return s.reassign(ctx, p, d, in)
	}
	if _, ok := Next(d.Status, in.Action); !ok && in.Action != ActExtend {
		return Dossier{}, Errorf(ETransition, "action", "Không thể %s khi hồ sơ ở trạng thái “%s”.",
			"cannot %s a dossier that is %s", actionVi(in.Action), statusVi(d.Status))
	}
	if err := mayAct(p, d, in.Action); err != nil {
		return Dossier{}, err
	}
	at := s.cfg.Clock.NextAfter(d.LastAt)
	now := at.Time().In(vnZone)
	body := &ActBody{DossierID: id, Action: in.Action, Note: strings.TrimSpace(in.Note)}
	switch in.Action {
	case ActApologize:
		if d.Apologized {
			return Dossier{}, Errorf(EAlreadyApologize, "action", "Hồ sơ này đã có văn bản xin lỗi; mỗi hồ sơ chỉ được xin lỗi và hẹn lại một lần.",
				"this dossier already has an apology; only one is allowed")
		}
		if in.NewDueAt == nil {
			return Dossier{}, Errorf(EInvalid, "new_due_at", "Cần nhập ngày hẹn trả mới.", "new_due_at is required")
		}
		if nd := in.NewDueAt.In(vnZone); !nd.After(d.DueAt) || !nd.After(now) {
			return Dossier{}, Errorf(EInvalid, "new_due_at", "Ngày hẹn trả mới phải sau hạn cũ và sau thời điểm hiện tại.",
				"new_due_at must be after the current due date and after now")
		} else if nd.After(d.DueAt.AddDate(0, 0, MaxApologyDays)) {
			return Dossier{}, Errorf(EInvalid, "new_due_at", "Ngày hẹn trả mới không được quá %d ngày sau hạn cũ.",
				"new_due_at must be at most %d days after the current due date", MaxApologyDays)
		}
		if body.Note == "" {
			return Dossier{}, Errorf(EInvalid, "note", "Văn bản xin lỗi cần nêu lý do.", "an apology needs a reason in the note")
		}
		body.DueAt = in.NewDueAt.In(vnZone)
	case ActExtend:
		if err := s.extend(d, in, body, now); err != nil {
			return Dossier{}, err
		}
	case ActSupplement:
		body.DueAt = s.supplementDue(d, now) // the rule of the dossier's catalog version (app/supplement.go)
	case ActRequestSupplement, ActRefuse, ActStop: // a refusal may follow appraisal (art. 19(8))
		if body.Note == "" {
			return Dossier{}, Errorf(EInvalid, "note", "Cần ghi rõ lý do hoặc nội dung yêu cầu.", "a reason is required in the note")
		}
		if in.Action == ActRequestSupplement {
			body.Warning = s.supplementWarning(d, now)
		}
	case ActReceive: // an online dossier: the receiving official holds it, and it takes the office's own code
		body.Holder = p.Username
		if d.Provisional {
			// A code from the office's numbers when this PC has some; else it
			// keeps its provisional one, recoded later (ActRecode).
			if code, slot, seq, err := s.nextCode(ctx, now); err == nil && slot >= 0 {
				body.Code, body.Slot, body.Seq = code, slot, seq
			}
		}
	case ActHandOver, ActForward:
		if in.Action == ActHandOver && in.Assignee == "" {
			return Dossier{}, Errorf(EInvalid, "assignee", "Cần chọn người nhận hồ sơ.", "the assignee is required")
		}
		if in.Assignee != "" {
			u, err := s.cfg.Reader.User(in.Assignee)
			if err != nil || !u.CanHold() {
				return Dossier{}, Errorf(EInvalid, "assignee", "Người được chuyển hồ sơ phải là chuyên viên hoặc lãnh đạo đang làm việc (tài khoản không bị khóa).",
					"the assignee must be a specialist or leader whose account is not disabled")
			}
			body.Holder = u.Username
		}
	}
	var entry []Command
	if in.Facts != nil && in.Action != ActResolve {
		return Dossier{}, Errorf(EInvalid, "facts", "Thông tin hộ tịch chỉ nhập khi tiếp nhận hoặc khi trả kết quả giải quyết.",
			"civil-status facts come with the receipt or the resolution")
	}
	if in.Action == ActResolve { // a civil-status dossier is entered in its register (app/registry.go)
		if in.Facts != nil {
			if d.Facts, err = checkReceiveFacts(d.Procedure.Register, in.Facts, now); err != nil {
				return Dossier{}, err
			}
		}
		if entry, body.Entry, err = s.entryCommands(ctx, p, d, now); err != nil {
			return Dossier{}, err
		}
	}
	c, err := s.commandAt("", KindDossierAct, p.Username, at, body)
	if err != nil {
		return Dossier{}, err
	}
	withNewFields(&c, body.Entry != nil)
	if err := s.append(ctx, append(entry, c)...); err != nil {
		return Dossier{}, err
	}
	return s.cfg.Reader.Dossier(id)
}

// DossierByCode returns a dossier by its code, or by its ID (the way to
// reach the second holder of a code issued twice).
func (s *Service) DossierByCode(code string) (Dossier, error) {
	id, err := s.dossierID(code)
	if err != nil {
		return Dossier{}, err
	}
	return s.cfg.Reader.Dossier(id)
}

// dossierID resolves a dossier code, or takes code as a dossier ID when no
// code matches and it has no '-' (the way to the second holder of a code
// issued twice). An ID is not looked up here: every caller reads the
// dossier next, and that read answers not_found for an ID that names none.
func (s *Service) dossierID(code string) (string, error) {
	id, err := s.cfg.Reader.DossierIDByCode(code)
	if ErrorCode(err) == ENotFound && !strings.Contains(code, "-") {
		return code, nil
	}
	return id, err
}

// recode gives d a fresh code when its own is shared with another dossier
// or provisional. The old code stays in the history.
func (s *Service) recode(ctx context.Context, p Principal, d Dossier, note string) (Dossier, error) {
	claims, err := s.cfg.Reader.CodeClaims(d.Code)
	if err != nil {
		return Dossier{}, Internal(err)
	}
	if len(claims) < 2 && !d.Provisional {
		return Dossier{}, Errorf(ETransition, "action", "Mã hồ sơ này là duy nhất, không cần cấp lại.",
			"this dossier's code is unique: nothing to recode")
	}
	code, slot, seq, err := s.nextCode(ctx, s.Now())
	if err != nil {
		return Dossier{}, err
	}
	if slot < 0 {
		return Dossier{}, Errorf(EUnavailable, "", "Máy chưa nhận được dải số chính thức (chưa kết nối đủ máy trong xã); hãy cấp lại mã sau.",
			"this PC has no official numbers yet (no quorum); recode later")
	}
	c, err := s.commandAfter(d.LastAt, KindDossierAct, p.Username, &ActBody{DossierID: d.ID, Action: ActRecode,
		Note: strings.TrimSpace(note), Code: code, Slot: slot, Seq: seq})
	if err != nil {
		return Dossier{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return Dossier{}, err
	}
	return s.cfg.Reader.Dossier(d.ID)
}

// MaxApologyDays bounds an apology's new due date after the current one: an
// appointment months away is a typing slip (a year 9999 was accepted).
const MaxApologyDays = 90
