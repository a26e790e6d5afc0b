package app

import "context"

// Which PCs issue final dossier codes. Codes are legal numbers (unique, in
// order, never reused, final when issued), drawn from number slots. A PC
// that leased a slot while it had met neither its office nor the hub could
// lease one its office issues from: so an office has one founding PC (the
// PC an administrator set up as its first, recorded as CommuneConfig.Founder
// by its setup command), and only these PCs lease slots:
//   - any PC of an office enrolled with the province's hub (the hub grants
//     the installation's slots; the enrolment is replicated in the office);
//   - where no hub is configured, the founding PC, and any PC that has met
//     its office: its store holds the founder's setup command, which comes
//     only from the office's log (by joining its cluster or merging into it).
// Any other PC issues provisional codes (TAM-…), recoded with final ones
// (ActRecode) once it has a slot. GET /health codes says which, and why.

// Reasons a PC issues provisional codes only (GET /health codes.reason).
const (
	// ProvisionalOfficeNotMet: no hub, the PC is not the founding PC and
	// has not met its office yet.
	ProvisionalOfficeNotMet = "office_not_met"
	// ProvisionalNotEnrolled: a hub is configured and the office is not
	// enrolled with it yet.
	ProvisionalNotEnrolled = "not_enrolled"
)

// CodeStanding is what decides whether a PC may lease number slots.
type CodeStanding struct {
	Founded  bool // the office's founder is known here (this PC founded it, or met its office)
	Hub      bool // a hub is configured (--hub)
	Enrolled bool // the office is enrolled with the hub
}

// ProvisionalReason returns why a PC in standing st issues provisional codes
// only, or "" when it may lease slots and issue final codes.
func ProvisionalReason(st CodeStanding) string {
	switch {
	case st.Enrolled:
		return ""
	case st.Hub:
		return ProvisionalNotEnrolled
	case st.Founded:
		return ""
	default:
		return ProvisionalOfficeNotMet
	}
}

// ProvisionalError is the error a lease refused for reason returns: the
// desk goes on with provisional codes (nextCode treats EUnavailable so).
func ProvisionalError(reason string) error {
	if reason == ProvisionalNotEnrolled {
		return Errorf(EUnavailable, "", "Văn phòng chưa đăng ký với máy chủ tỉnh nên chưa có dải số hồ sơ chính thức; máy cấp mã tạm.",
			"the office is not enrolled with the hub yet, so it has no official number slots: provisional codes")
	}
	return Errorf(EUnavailable, "", "Máy này chưa gặp máy đầu tiên của văn phòng (chưa vào cụm) nên chỉ cấp mã tạm; mã chính thức được cấp lại khi máy kết nối với văn phòng.",
		"this PC has not met its office yet (it is not the founding PC and has not joined): provisional codes only")
}

// KeepFounding carries a data folder set up before founders were recorded
// over to the rule: when the office names no founder and this PC holds a
// number slot (it issued final codes already), it records itself as the
// founder, so that it keeps issuing final codes. A PC holding no slot
// changes nothing. It does nothing on a folder not set up yet.
func (s *Service) KeepFounding(ctx context.Context) error {
	conf, ok, err := s.cfg.Reader.Commune()
	if err != nil {
		return Internal(err)
	}
	if !ok || conf.Founder != "" {
		return nil
	}
	held, err := s.heldSlots()
	if err != nil || len(held) == 0 {
		return err
	}
	conf.Founder = s.cfg.Node
	c, err := s.command("", KindCommuneConfigure, "system", &conf)
	if err != nil {
		return err
	}
	return s.append(ctx, c)
}
