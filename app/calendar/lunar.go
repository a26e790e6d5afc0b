package calendar

import (
	"math"
	"time"
)

// Lunar is a date of the Vietnamese lunisolar calendar (âm lịch). Year is the
// Gregorian year in which the lunar year's first month starts, so lunar
// 1/1 of Year 2026 is Tết of 2026. Leap marks the intercalary month (tháng
// nhuận), which repeats the number of the month before it.
type Lunar struct {
	Day, Month, Year int
	Leap             bool
}

// The Vietnamese calendar follows the Chinese rules, computed for the
// meridian of UTC+7:
//   - a month starts on the local day of a new moon;
//   - month 11 is the month that contains the winter solstice;
//   - a lunar year with 13 months between two months 11 gets one leap month:
//     the first month after month 11 in which the sun enters no new major
//     solar term (a multiple of 30° of ecliptic longitude).
//
// New moons and sun longitudes use the truncated series of classical
// astronomy (mean lunation plus the main periodic terms; the sun's equation
// of centre), which are accurate to a few minutes over the years that matter
// to the office. The results agree with the published Vietnamese calendar,
// including the years in which it differs from the Chinese one (1968, 1985,
// 2007, 2030).
const (
	lunarZone    = 7.0 / 24.0        // UTC+7, in days
	synodicMonth = 29.530588853      // mean length of a lunation, in days
	lunation0    = 2415021.076998695 // JD of new moon number 0 (1900-01-01, 13:51 UT)
	unixJDN      = 2440588           // Julian day number of 1970-01-01
	deg          = math.Pi / 180
)

// jdnOf returns the Julian day number of a proleptic Gregorian date.
func jdnOf(y, m, d int) int {
	u := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix()
	return int(floorDiv(u, 86400)) + unixJDN
}

// dateOfJDN is the inverse of jdnOf.
func dateOfJDN(j int) (y, m, d int) {
	t := time.Unix(int64(j-unixJDN)*86400, 0).UTC()
	yy, mm, dd := t.Date()
	return yy, int(mm), dd
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// newMoonJD returns the instant (Julian date, UT) of new moon number k,
// counted from the new moon of 1900-01-01.
func newMoonJD(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85 // Julian centuries from 1900
	t2, t3 := t*t, t*t*t
	// Mean new moon, ephemeris time.
	jd := 2415020.75933 + 29.53058868*kf + 0.0001178*t2 - 0.000000155*t3
	jd += 0.00033 * math.Sin((166.56+132.87*t-0.009173*t2)*deg)
	// Anomalies of sun and moon, the moon's argument of latitude (degrees).
	m := (359.2242 + 29.10535608*kf - 0.0000333*t2 - 0.00000347*t3) * deg
	mm := (306.0253 + 385.81691806*kf + 0.0107306*t2 + 0.00001236*t3) * deg
	f := (21.2964 + 390.67050646*kf - 0.0016528*t2 - 0.00000239*t3) * deg
	c := (0.1734-0.000393*t)*math.Sin(m) + 0.0021*math.Sin(2*m) -
		0.4068*math.Sin(mm) + 0.0161*math.Sin(2*mm) - 0.0004*math.Sin(3*mm) +
		0.0104*math.Sin(2*f) - 0.0051*math.Sin(m+mm) - 0.0074*math.Sin(m-mm) +
		0.0004*math.Sin(2*f+m) - 0.0004*math.Sin(2*f-m) - 0.0006*math.Sin(2*f+mm) +
		0.0010*math.Sin(2*f-mm) + 0.0005*math.Sin(2*mm+m)
	// ΔT (ephemeris minus universal time), in days.
	var dt float64
	if t < -11 {
		dt = 0.001 + 0.000839*t + 0.0002261*t2 - 0.00000845*t3 - 0.000000081*t*t3
	} else {
		dt = -0.000278 + 0.000265*t + 0.000262*t2
	}
	return jd + c - dt
}

// newMoonDay is the local (UTC+7) day number on which new moon k falls.
func newMoonDay(k int) int {
	return int(math.Floor(newMoonJD(k) + 0.5 + lunarZone))
}

// sunLongitude returns the sun's apparent ecliptic longitude in degrees,
// [0, 360), at Julian date jd.
func sunLongitude(jd float64) float64 {
	t := (jd - 2451545.0) / 36525 // Julian centuries from J2000
	t2 := t * t
	m := (357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2) * deg
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2
	c := (1.914600-0.004817*t-0.000014*t2)*math.Sin(m) +
		(0.019993-0.000101*t)*math.Sin(2*m) + 0.000290*math.Sin(3*m)
	l := math.Mod(l0+c, 360)
	if l < 0 {
		l += 360
	}
	return l
}

// termAt returns which 30° sector (0..11) of ecliptic longitude the sun is in
// at local midnight starting day number day. Sector 9 starts at the winter
// solstice (270°).
func termAt(day int) int {
	return int(sunLongitude(float64(day)-0.5-lunarZone) / 30)
}

// lunationOf returns the number k of the lunation (lunar month) containing
// local day number day: newMoonDay(k) <= day < newMoonDay(k+1).
func lunationOf(day int) int {
	k := int(math.Floor((float64(day) - lunation0) / synodicMonth))
	for newMoonDay(k+1) <= day {
		k++
	}
	for newMoonDay(k) > day {
		k--
	}
	return k
}

// month11 returns the lunation number of month 11 of Gregorian year y: the
// month that contains the winter solstice of y.
func month11(y int) int {
	k := lunationOf(jdnOf(y, 12, 31))
	if termAt(newMoonDay(k)) >= 9 { // that month starts after the solstice
		k--
	}
	return k
}

// sui describes the months from month 11 of Gregorian year y up to, not
// including, month 11 of y+1: months 11 and 12 of lunar year y and months 1
// to 10 of lunar year y+1, with at most one leap month among them.
type sui struct {
	year   int   // y
	starts []int // local day numbers of each month's first day, plus the next month 11
	leap   int   // index in starts of the leap month, or -1
}

func suiOf(y int) sui {
	k0, k1 := month11(y), month11(y+1)
	s := sui{year: y, starts: make([]int, k1-k0+1), leap: -1}
	for i := range s.starts {
		s.starts[i] = newMoonDay(k0 + i)
	}
	if k1-k0 == 13 {
		// The leap month is the first one that contains no major term: the
		// sun is in the same sector when it starts and when the next starts.
		prev := termAt(s.starts[1])
		for i := 1; i < 13; i++ {
			next := termAt(s.starts[i+1])
			if next == prev {
				s.leap = i
				break
			}
			prev = next
		}
		if s.leap < 0 { // cannot happen with 13 months and 12 terms; stay total
			s.leap = 12
		}
	}
	return s
}

// month returns the number and leap flag of the month at index i.
func (s sui) month(i int) (num int, leap bool) {
	j := i
	if s.leap >= 0 && i >= s.leap {
		j--
	}
	return (j+10)%12 + 1, i == s.leap
}

// firstMonth returns the index of month 1, the start of lunar year s.year+1.
func (s sui) firstMonth() int {
	if s.leap == 1 || s.leap == 2 {
		return 3
	}
	return 2
}

// SolarToLunar converts a Gregorian date to the Vietnamese lunar calendar.
func SolarToLunar(y, m, d int) Lunar {
	day := jdnOf(y, m, d)
	y, _, _ = dateOfJDN(day) // normalise dates such as 31 February
	s := suiOf(y)
	if day < s.starts[0] {
		s = suiOf(y - 1)
	}
	i := 0
	for i+1 < len(s.starts) && s.starts[i+1] <= day {
		i++
	}
	num, leap := s.month(i)
	year := s.year
	if i >= s.firstMonth() {
		year++
	}
	return Lunar{Day: day - s.starts[i] + 1, Month: num, Year: year, Leap: leap}
}

// LunarToSolar converts a Vietnamese lunar date to the Gregorian calendar. It
// returns 0, 0, 0 for a date that does not exist: a month outside 1..12, a
// leap flag on a month that is not the year's leap month, or day 30 of a
// 29-day month.
func LunarToSolar(l Lunar) (y, m, d int) {
	if l.Month < 1 || l.Month > 12 || l.Day < 1 || l.Day > 30 {
		return 0, 0, 0
	}
	s := suiOf(l.Year - 1)
	if l.Month >= 11 {
		s = suiOf(l.Year)
	}
	for i := 0; i+1 < len(s.starts); i++ {
		num, leap := s.month(i)
		if num != l.Month || leap != l.Leap {
			continue
		}
		if l.Day > s.starts[i+1]-s.starts[i] {
			return 0, 0, 0
		}
		return dateOfJDN(s.starts[i] + l.Day - 1)
	}
	return 0, 0, 0
}

// LeapMonth returns the leap month of lunar year y, or 0 if the year has none.
func LeapMonth(y int) int {
	for _, sy := range []int{y - 1, y} {
		s := suiOf(sy)
		if s.leap < 0 {
			continue
		}
		num, _ := s.month(s.leap)
		inYear := sy + 1 // months 1..10 of sui sy belong to lunar year sy+1
		if s.leap < s.firstMonth() {
			inYear = sy
		}
		if inYear == y {
			return num
		}
	}
	return 0
}
