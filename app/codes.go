package app

import (
	"context"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// nextCode issues the next dossier code for a dossier received at t. Numbers
// come from slots this node holds: the daily counter of each slot starts at
// the largest number applied so far, so a restart never reissues a number
// that was acknowledged. When every held slot is spent for that day, the
// node leases another. The lease may wait for the cluster (up to
// cluster.LeaseTimeout without quorum): it runs without codesMu, one at a
// time; the other desks wait for it up to leaseWait, then go on with
// provisional codes.
func (s *Service) nextCode(ctx context.Context, t time.Time) (code string, slot, seq int, err error) {
	conf, _, err := s.cfg.Reader.Commune()
	if err != nil {
		return "", 0, 0, Internal(err)
	}
	agency, day := conf.AgencyCode(), t.In(vnZone).Format("060102")
	for range SlotCount + 1 {
		s.codesMu.Lock()
		code, slot, seq, ok, err := s.fromHeld(agency, t, day)
		if ok || err != nil {
			s.codesMu.Unlock()
			return code, slot, seq, err
		}
		if wait := s.leasing; wait != nil {
			// Another desk is leasing: its slot serves this desk too, unless
			// the cluster is slow to answer.
			s.codesMu.Unlock()
			select {
			case <-wait:
				continue
			case <-time.After(leaseWait):
			case <-ctx.Done():
				return "", 0, 0, ctx.Err()
			}
			s.codesMu.Lock()
			defer s.codesMu.Unlock()
			return s.provisionalCode(agency, t, day)
		}
		if s.Now().Before(s.leaseRetry) {
			defer s.codesMu.Unlock()
			return s.provisionalCode(agency, t, day)
		}
		done := make(chan struct{})
		s.leasing = done
		s.codesMu.Unlock()

		sl, err := s.lease(ctx)

		s.codesMu.Lock()
		s.leasing = nil
		close(done)
		switch {
		case ErrorCode(err) == EUnavailable:
			s.leaseRetry = s.Now().Add(leaseBackoff) // the next desks do not wait for a lease that fails
			// No quorum to lease numbers: the desk goes on with a clearly
			// marked provisional code, recoded once the PC has numbers.
			defer s.codesMu.Unlock()
			return s.provisionalCode(agency, t, day)
		case err != nil:
			s.codesMu.Unlock()
			return "", 0, 0, err
		}
		if !slices.Contains(s.held, sl) {
			s.held = append(s.held, sl)
		}
		s.codesMu.Unlock()
	}
	return "", 0, 0, Errorf(EUnavailable, "", "Đã hết số hồ sơ trong ngày.", "no dossier numbers left for the day")
}

// fromHeld issues the next number of day from the slots this node holds;
// ok is false when they are all spent. s.codesMu is held.
func (s *Service) fromHeld(agency string, t time.Time, day string) (code string, slot, seq int, ok bool, err error) {
	if s.held == nil {
		if s.held, err = s.heldSlots(); err != nil {
			return "", 0, 0, false, err
		}
	}
	for _, sl := range s.held {
		key := day + "/" + strconv.Itoa(sl)
		n, known := s.counters[key]
		if !known {
			if n, err = s.cfg.Reader.MaxSeq(day, sl); err != nil {
				return "", 0, 0, false, Internal(err)
			}
		}
		first, last := SlotRange(sl)
		n = max(n, first-1)
		if n < last {
			n++
			s.counters[key] = n
			return FormatCode(agency, t, n), sl, n, true, nil
		}
		s.counters[key] = n
	}
	return "", 0, 0, false, nil
}

// leaseWait is how long a desk waits for another desk's lease before it
// issues a provisional code (a lease with quorum takes milliseconds).
const leaseWait = time.Second

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

// LeaseLocal leases a free slot (FreeSlot) through this node's own log. It
// is right for a node alone; a cluster leases through Raft instead.
func (s *Service) LeaseLocal(ctx context.Context) (int, error) {
	slots, err := s.cfg.Reader.Slots()
	if err != nil {
		return 0, Internal(err)
	}
	sl, after, err := FreeSlot(slots, s.cfg.Node)
	if err != nil {
		return 0, err
	}
	c, err := s.commandAfter(after, KindSlotLease, "system", &SlotBody{Slot: sl, Node: s.cfg.Node})
	if err != nil {
		return 0, err
	}
	if err := s.append(ctx, c); err != nil {
		return 0, err
	}
	return sl, nil
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
