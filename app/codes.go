package app

import (
	"context"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"time"
)

// nextCode issues the next dossier code for a dossier received at t. Numbers
// come from slots this node holds: the daily counter of each slot starts at
// the largest number applied so far, so a restart never reissues a number
// that was acknowledged. When every held slot is spent for that day, the
// node leases another.
func (s *Service) nextCode(ctx context.Context, t time.Time) (code string, slot, seq int, err error) {
	s.codesMu.Lock()
	defer s.codesMu.Unlock()
	conf, _, err := s.cfg.Reader.Commune()
	if err != nil {
		return "", 0, 0, Internal(err)
	}
	day := t.In(vnZone).Format("060102")
	if s.held == nil {
		if s.held, err = s.heldSlots(); err != nil {
			return "", 0, 0, err
		}
	}
	held := s.held
	for range SlotCount + 1 {
		for _, sl := range held {
			key := day + "/" + strconv.Itoa(sl)
			n, ok := s.counters[key]
			if !ok {
				if n, err = s.cfg.Reader.MaxSeq(day, sl); err != nil {
					return "", 0, 0, Internal(err)
				}
			}
			first, last := SlotRange(sl)
			n = max(n, first-1)
			if n < last {
				n++
				s.counters[key] = n
				return FormatCode(conf.AgencyCode(), t, n), sl, n, nil
			}
			s.counters[key] = n
		}
		if s.Now().Before(s.leaseRetry) {
			return s.provisionalCode(conf.AgencyCode(), t, day)
		}
		sl, err := s.lease(ctx)
		if ErrorCode(err) == EUnavailable {
			s.leaseRetry = s.Now().Add(leaseBackoff) // the next desks do not wait for a lease that fails
			// No quorum to lease numbers: the desk goes on with a clearly
			// marked provisional code, recoded once the PC has numbers.
			return s.provisionalCode(conf.AgencyCode(), t, day)
		}
		if err != nil {
			return "", 0, 0, err
		}
		held = append(held, sl)
		s.held = held
	}
	return "", 0, 0, Errorf(EUnavailable, "", "Đã hết số hồ sơ trong ngày.", "no dossier numbers left for the day")
}

// leaseBackoff is how long the desk issues provisional codes after a lease
// failed, before it asks the cluster again.
const leaseBackoff = 30 * time.Second

// ProvisionalPrefix marks a code issued without a leased number (TẠM:
// provisional). It is unique to the PC: the node's number is in it.
const ProvisionalPrefix = "TAM-"

// provisionalCode issues TAM-<agency>-<YYMMDD>-<PC number>-<NNNN>.
func (s *Service) provisionalCode(agency string, t time.Time, day string) (string, int, int, error) {
	key := day + "/p"
	n, ok := s.counters[key]
	if !ok {
		var err error
		if n, err = s.cfg.Reader.MaxProvisional(day, s.cfg.Node); err != nil {
			return "", 0, 0, Internal(err)
		}
	}
	n++
	s.counters[key] = n
	return fmt.Sprintf("%s%s-%s-%06d-%04d", ProvisionalPrefix, agency, day, pcNumber(s.cfg.Node), n), -1, n, nil
}

// pcNumber is a six-digit number for a node ID, printed in provisional codes.
// It is FNV-1a (32 bits) modulo a million: codes already printed depend on
// it, so it must never change.
func pcNumber(node string) int {
	h := fnv.New32a()
	h.Write([]byte(node))
	return int(h.Sum32() % 1_000_000)
}

// heldSlots returns the slots this node holds, in order.
func (s *Service) heldSlots() ([]int, error) {
	slots, err := s.cfg.Reader.Slots()
	if err != nil {
		return nil, Internal(err)
	}
	var held []int
	for _, l := range slots {
		if l.Holder == s.cfg.Node {
			held = append(held, l.Slot)
		}
	}
	return held, nil
}

func (s *Service) lease(ctx context.Context) (int, error) {
	if s.cfg.Leaser != nil {
		return s.cfg.Leaser.Lease(ctx)
	}
	return s.LeaseLocal(ctx)
}

// LeaseLocal leases the lowest free slot through this node's own log. It is
// right for a node alone; a cluster leases through Raft instead.
func (s *Service) LeaseLocal(ctx context.Context) (int, error) {
	slots, err := s.cfg.Reader.Slots()
	if err != nil {
		return 0, Internal(err)
	}
	taken, last := map[int]bool{}, map[int]HLC{}
	for _, l := range slots {
		if l.Holder != "" {
			taken[l.Slot] = true
		}
		last[l.Slot] = l.LastAt
	}
	for sl := range SlotCount {
		if taken[sl] {
			continue
		}
		c, err := s.commandAfter(last[sl], KindSlotLease, "system", &SlotBody{Slot: sl, Node: s.cfg.Node})
		if err != nil {
			return 0, err
		}
		if err := s.append(ctx, c); err != nil {
			return 0, err
		}
		return sl, nil
	}
	return 0, Errorf(EUnavailable, "", "Đã hết dải số hồ sơ để cấp cho máy này.", "no free number slot for this PC")
}

// SlotHolder reports which node holds slot sl (for the cluster's leaser).
func SlotHolder(slots []SlotLease, sl int) string {
	for _, l := range slots {
		if l.Slot == sl {
			return l.Holder
		}
	}
	return ""
}

// ParseCode splits a dossier code into agency, day (YYMMDD) and number.
func ParseCode(code string) (agency, day string, n int, err error) {
	if len(code) < 13 || code[len(code)-5] != '-' || code[len(code)-12] != '-' {
		return "", "", 0, fmt.Errorf("dossier code %q: bad shape", code)
	}
	agency, day = code[:len(code)-12], code[len(code)-11:len(code)-5]
	if _, err := time.Parse("060102", day); err != nil {
		return "", "", 0, fmt.Errorf("dossier code %q: bad day", code)
	}
	n, err = strconv.Atoi(code[len(code)-4:])
	if err != nil {
		return "", "", 0, fmt.Errorf("dossier code %q: bad number", code)
	}
	return agency, day, n, nil
}

// Agency electronic ID codes (Decision 20/2020/QĐ-TTg, amended by Decision
// 09/2025/QĐ-TTg) come in two shapes: the one read right to left, level 1
// (the province, a letter and two digits) last, as in 000.00.31.H42; and
// the one some provinces use since 2025, province first, as in H15.50.05.12.
// Both are checked by shape only: which codes exist is the province's data.
var (
	agencyRightToLeft   = regexp.MustCompile(`^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$`)
	agencyProvinceFirst = regexp.MustCompile(`^[A-Z][0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{2}$`)
)

// ValidAgencyCode reports whether s has the shape of an agency electronic ID code.
func ValidAgencyCode(s string) bool {
	return agencyRightToLeft.MatchString(s) || agencyProvinceFirst.MatchString(s)
}
