package statement

import (
	"fmt"
	"time"
)

// Date is a calendar date without time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats the date as "2006-01-02". The zero Date formats as
// "0000-00-00".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date (no date given).
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// DaysUntil returns the number of days from d to e (negative if e is
// before d).
func (d Date) DaysUntil(e Date) int {
	return int(e.Time().Sub(d.Time()).Hours() / 24)
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, day := t.Date()
	return Date{Year: y, Month: m, Day: day}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// makeDate validates year/month/day and returns the Date.
func makeDate(y, m, d int) (Date, bool) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return Date{}, false
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, true
}

// daysIn returns the number of days of month m in year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// atoiDigits converts an all-ASCII-digit string to an int; ok is false if s
// is empty, too long, or contains anything else.
func atoiDigits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseISODate parses the date part of an ISO 8601 date or date-time as
// used by camt ("2006-01-02" or "2006-01-02T15:04:05..."). The date is
// taken as written: a time zone offset in a date-time is not applied,
// because the bank's own calendar date is what the statement refers to.
func parseISODate(s string) (Date, bool) {
	if len(s) < 10 || (len(s) > 10 && s[10] != 'T') || s[4] != '-' || s[7] != '-' {
		return Date{}, false
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, false
	}
	return makeDate(y, m, d)
}

// parseISODateTime parses the time of an ISO 8601 date-time
// ("2006-01-02T15:04:05[.fff][Z|+hh:mm]"). With an offset it returns the
// instant in UTC; without, the wall clock in UTC and local set. A date
// alone, or a time that does not parse, gives the zero Time: the date is
// then all the input says (parseISODate reads it).
func parseISODateTime(s string) (t time.Time, local bool) {
	if len(s) <= 10 {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// parseYYMMDD parses an MT940 date. Two-digit years 00-68 are 2000-2068 and
// 69-99 are 1969-1999 (the POSIX pivot, as in mt940-rs).
func parseYYMMDD(s string) (Date, bool) {
	if len(s) != 6 {
		return Date{}, false
	}
	yy, ok1 := atoiDigits(s[0:2])
	m, ok2 := atoiDigits(s[2:4])
	d, ok3 := atoiDigits(s[4:6])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, false
	}
	y := 2000 + yy
	if yy >= 69 {
		y = 1900 + yy
	}
	return makeDate(y, m, d)
}

// resolveMMDD gives an MT940 entry date (month and day only) the year that
// puts it closest to the value date: value 2024-12-31 with entry 0102 gives
// 2025-01-02, value 2025-01-02 with entry 1231 gives 2024-12-31. On a tie
// the value date's own year wins. ok is false if MMDD is not a valid date
// in any of the three candidate years.
func resolveMMDD(mmdd string, value Date) (Date, bool) {
	if len(mmdd) != 4 {
		return Date{}, false
	}
	m, ok1 := atoiDigits(mmdd[0:2])
	d, ok2 := atoiDigits(mmdd[2:4])
	if !ok1 || !ok2 {
		return Date{}, false
	}
	var best Date
	bestDist := -1
	for _, y := range [...]int{value.Year, value.Year - 1, value.Year + 1} {
		cand, ok := makeDate(y, m, d)
		if !ok {
			continue
		}
		dist := value.DaysUntil(cand)
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = cand, dist
		}
	}
	return best, bestDist >= 0
}
