package app

import (
	"fmt"
	"strconv"
	"strings"
)

// FeeBasis says who sets a procedure's fee: "free" (free by law), "national"
// (an amount set by national law, FeeVND), or "province" (set by a
// provincial resolution: FeeVND is 0 until the province pushes its amount).
// "Fee set by the province" is not "free".
type FeeBasis string

const (
	FeeFree     FeeBasis = "free"
	FeeNational FeeBasis = "national"
	FeeProvince FeeBasis = "province"
)

// FeeBasisOf returns p's basis; a catalog from before the field had only an
// amount, read as national when set and free when 0.
func (p Procedure) FeeBasisOf() FeeBasis {
	switch {
	case p.FeeBasis != "":
		return p.FeeBasis
	case p.FeeVND > 0:
		return FeeNational
	}
	return FeeFree
}

func (p Procedure) checkFee() error {
	switch p.FeeBasis {
	case "", FeeNational, FeeProvince:
	case FeeFree:
		if p.FeeVND != 0 || p.FeeOnlineVND != nil {
			return fmt.Errorf("fee: a free procedure has no amount")
		}
	default:
		return fmt.Errorf("fee_basis %q: want free, national or province", p.FeeBasis)
	}
	if p.FeeVND < 0 || p.FeeVND > 100_000_000 {
		return fmt.Errorf("fee_vnd %d out of range", p.FeeVND)
	}
	if o := p.FeeOnlineVND; o != nil && (*o < 0 || (p.FeeVND > 0 && *o > p.FeeVND)) {
		return fmt.Errorf("fee_online_vnd %d: want 0 to fee_vnd", *o)
	}
	return nil
}

// FeeVi says the fee as the desk and the citizen read it: "Miễn lệ phí",
// "Lệ phí 8.000 đồng", "Lệ phí theo mức của tỉnh (chưa cập nhật)",
// "Lệ phí 10.000 đồng theo nghị quyết của tỉnh; nộp trực tuyến 5.000 đồng".
func (p Procedure) FeeVi() string {
	var s string
	switch p.FeeBasisOf() {
	case FeeFree:
		s = "Miễn lệ phí"
	case FeeProvince:
		if p.FeeVND == 0 {
			s = "Lệ phí theo mức của tỉnh (chưa cập nhật)"
		} else {
			s = "Lệ phí " + VND(p.FeeVND) + " theo nghị quyết của tỉnh"
		}
	default:
		s = "Lệ phí " + VND(p.FeeVND)
	}
	if p.FeeOnlineVND != nil {
		s += "; nộp trực tuyến " + VND(*p.FeeOnlineVND)
	}
	return s
}

// VND writes an amount the Vietnamese way: "8.000 đồng".
func VND(n int) string {
	d := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String() + " đồng"
}
