package reconcile

import "time"

const microsPerDay = 86_400_000_000

// dayer turns instants into calendar day numbers in a time zone, caching
// the zone's current offset period so that most calls are arithmetic. Not
// safe for concurrent use; make one per goroutine.
type dayer struct {
	loc        *time.Location
	start, end int64 // µs bounds of the cached offset period; end exclusive
	offset     int64 // µs east of UTC
}

func newDayer(loc *time.Location) *dayer { return &dayer{loc: loc, start: 1, end: 0} }

// day returns the calendar day of t (µs since the epoch) in the zone,
// counted from 1970-01-01.
func (d *dayer) day(t int64) int64 {
	if t < d.start || t >= d.end {
		tm := time.UnixMicro(t).In(d.loc)
		_, off := tm.Zone()
		d.offset = int64(off) * 1_000_000
		s, e := tm.ZoneBounds()
		d.start, d.end = -1<<62, 1<<62
		if !s.IsZero() {
			d.start = s.UnixMicro()
		}
		if !e.IsZero() {
			d.end = e.UnixMicro()
		}
	}
	v := t + d.offset
	q := v / microsPerDay
	if v%microsPerDay < 0 {
		q--
	}
	return q
}

// dayText formats a day number as YYYY-MM-DD.
func dayText(day int64) string {
	return time.Unix(day*86400, 0).UTC().Format(time.DateOnly)
}
