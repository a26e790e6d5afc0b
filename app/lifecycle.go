package app

import "slices"

// Status is a dossier status: the names of the national status codes 1–10.
type Status string

const (
	StatusSubmitted           Status = "submitted"
	StatusReceived            Status = "received"
	StatusRefused             Status = "refused"
	StatusProcessing          Status = "processing"
	StatusSupplementRequested Status = "supplement_requested"
	StatusPaymentRequested    Status = "payment_requested"
	StatusWithdrawn           Status = "withdrawn"
	StatusStopped             Status = "stopped"
	StatusResultReady         Status = "result_ready"
	StatusReturned            Status = "returned"
)

// StatusInfo describes a status as the national portal numbers it.
type StatusInfo struct {
	Code     int    `json:"code"`
	Name     Status `json:"name"`
	Vi       string `json:"vi"`
	En       string `json:"en"`
	Terminal bool   `json:"terminal"`
}

// allStatuses are the ten national statuses in code order. Lookups in this
// package read it directly; callers outside get a copy from Statuses.
var allStatuses = []StatusInfo{
	{1, StatusSubmitted, "Mới đăng ký", "Submitted", false},
	{2, StatusReceived, "Được tiếp nhận", "Received", false},
	{3, StatusRefused, "Không được tiếp nhận", "Refused", true},
	{4, StatusProcessing, "Đang xử lý", "Processing", false},
	{5, StatusSupplementRequested, "Yêu cầu bổ sung giấy tờ", "Supplement requested", false},
	{6, StatusPaymentRequested, "Yêu cầu thực hiện nghĩa vụ tài chính", "Payment requested", false},
	{7, StatusWithdrawn, "Công dân yêu cầu rút hồ sơ", "Withdrawn", true},
	{8, StatusStopped, "Dừng xử lý", "Stopped", true},
	{9, StatusResultReady, "Đã xử lý xong", "Result ready", false},
	{10, StatusReturned, "Đã trả kết quả", "Returned", true},
}

// Statuses lists the ten national statuses in code order.
func Statuses() []StatusInfo { return slices.Clone(allStatuses) }

// Info returns the national description of s; ok is false for unknown names.
func (s Status) Info() (StatusInfo, bool) {
	for _, i := range allStatuses {
		if i.Name == s {
			return i, true
		}
	}
	return StatusInfo{}, false
}

// Terminal reports whether no further action can change the dossier.
func (s Status) Terminal() bool {
	i, ok := s.Info()
	return ok && i.Terminal
}

// Action is a lifecycle action an official takes on a dossier.
type Action string

const (
	ActReceive           Action = "receive"
	ActRefuse            Action = "refuse"
	ActForward           Action = "forward"
	ActRequestSupplement Action = "request_supplement"
	ActSupplement        Action = "supplement"
	ActRequestPayment    Action = "request_payment"
	ActPaid              Action = "paid"
	ActStop              Action = "stop"
	ActResolve           Action = "resolve"
	ActReturn            Action = "return"
	ActWithdraw          Action = "withdraw"
	ActApologize         Action = "apologize"
	// ActSubmit is the first history event of a dossier submitted online
	// (status submitted); no official takes it.
	ActSubmit Action = "submit"
	// ActRecode gives a dossier a new code when its code was issued twice
	// (clusters set up apart) or was provisional. Not a status change.
	ActRecode Action = "recode"
	// ActHandOver passes a dossier in processing to another official (the
	// specialist to the leader who signs): a row of the control slip (form 06).
	ActHandOver Action = "hand_over"
	// ActExtend sets the statutory extension of a procedure that allows one
	// (verification needed): a new due date within the law's bound, once.
	// Not a status change (app/extension.go).
	ActExtend Action = "extend"
	// ActReassign: a leader gives an open dossier to another official
	// (app/holder.go). Not a status change.
	ActReassign Action = "reassign"
)

// allActions are the actions in the order the UI offers them (not recode,
// which is offered only on a shared or provisional code).
var allActions = []Action{ActReceive, ActRefuse, ActForward, ActHandOver, ActRequestSupplement, ActSupplement,
	ActRequestPayment, ActPaid, ActResolve, ActReturn, ActStop, ActApologize, ActWithdraw}

// Actions lists every action in the order the UI offers them.
func Actions() []Action { return slices.Clone(allActions) }

// transitions maps (from, action) to the status after the action.
var transitions = map[Status]map[Action]Status{
	StatusSubmitted: {ActReceive: StatusReceived, ActRefuse: StatusRefused, ActWithdraw: StatusWithdrawn},
	StatusReceived:  {ActForward: StatusProcessing, ActWithdraw: StatusWithdrawn, ActApologize: StatusReceived},
	// Refusal after appraisal (Decree 61/2018 art. 19(8)); hand-overs inside processing.
	StatusProcessing: {ActRequestSupplement: StatusSupplementRequested, ActRequestPayment: StatusPaymentRequested,
		ActStop: StatusStopped, ActResolve: StatusResultReady, ActWithdraw: StatusWithdrawn, ActApologize: StatusProcessing,
		ActRefuse: StatusRefused, ActHandOver: StatusProcessing},
	StatusSupplementRequested: {ActSupplement: StatusProcessing, ActWithdraw: StatusWithdrawn,
		ActApologize: StatusSupplementRequested},
	StatusPaymentRequested: {ActPaid: StatusProcessing, ActWithdraw: StatusWithdrawn, ActApologize: StatusPaymentRequested},
	StatusResultReady:      {ActReturn: StatusReturned, ActWithdraw: StatusWithdrawn},
}

// Next returns the status after taking action a in status s.
func Next(s Status, a Action) (Status, bool) {
	to, ok := transitions[s][a]
	return to, ok
}

// Role is what an official may do.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleReceiver   Role = "receiver"
	RoleSpecialist Role = "specialist"
	RoleLeader     Role = "leader"
)

var allRoles = []Role{RoleAdmin, RoleReceiver, RoleSpecialist, RoleLeader}

// Roles lists every role.
func Roles() []Role { return slices.Clone(allRoles) }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(allRoles, r) }

// permissions says which roles may take each action. The desk (receiver)
// deals with citizens; specialists process; the leader signs, stops and
// apologises in the name of the committee.
var permissions = map[Action][]Role{
	ActReceive:           {RoleReceiver},
	ActRefuse:            {RoleReceiver, RoleSpecialist, RoleLeader}, // at intake, or after appraisal
	ActForward:           {RoleReceiver},
	ActRequestSupplement: {RoleSpecialist, RoleLeader},
	ActSupplement:        {RoleReceiver},
	ActRequestPayment:    {RoleSpecialist},
	ActPaid:              {RoleReceiver, RoleSpecialist},
	ActStop:              {RoleLeader},
	ActResolve:           {RoleSpecialist, RoleLeader},
	ActReturn:            {RoleReceiver},
	ActWithdraw:          {RoleReceiver, RoleLeader},
	ActApologize:         {RoleLeader},
	ActRecode:            {RoleReceiver, RoleLeader},
	ActExtend:            {RoleReceiver, RoleSpecialist, RoleLeader},
	ActHandOver:          {RoleSpecialist, RoleLeader},
	ActReassign:          {RoleLeader},
}

// Permitted reports whether a holder of roles may take action a.
func Permitted(roles []Role, a Action) bool {
	return slices.ContainsFunc(permissions[a], func(allowed Role) bool { return slices.Contains(roles, allowed) })
}

// HasRole reports whether roles contains r.
func HasRole(roles []Role, r Role) bool { return slices.Contains(roles, r) }
