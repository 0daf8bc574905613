package statement

import (
	"testing"
	"time"
)

func TestDateBasics(t *testing.T) {
	d := Date{2024, time.February, 29}
	if d.String() != "2024-02-29" || d.IsZero() || (Date{}).String() != "0000-00-00" || !(Date{}).IsZero() {
		t.Errorf("String/IsZero: %q %v", d.String(), d.IsZero())
	}
	if DateOf(time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC)) != d || d.Time() != time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC) {
		t.Error("DateOf/Time round trip")
	}
	if d.Compare(Date{2024, time.March, 1}) != -1 || d.Compare(d) != 0 || d.Compare(Date{2023, time.December, 31}) != 1 {
		t.Error("Compare")
	}
	if d.DaysUntil(Date{2024, time.March, 1}) != 1 || d.DaysUntil(Date{2023, time.February, 28}) != -366 {
		t.Error("DaysUntil")
	}
}

func TestParseDates(t *testing.T) {
	tests := []struct {
		fn   func(string) (Date, bool)
		in   string
		want Date
		ok   bool
	}{
		{parseISODate, "2019-05-08", Date{2019, 5, 8}, true},
		{parseISODate, "2023-10-08T23:59:00.000Z", Date{2023, 10, 8}, true}, // date as written, no UTC shift
		{parseISODate, "2014-12-31T13:15:00+01:00", Date{2014, 12, 31}, true},
		{parseISODate, "2023-02-29", Date{}, false},
		{parseISODate, "2024-02-29", Date{2024, 2, 29}, true},
		{parseISODate, "2019-13-01", Date{}, false},
		{parseISODate, "2019-05-08Z", Date{}, false},
		{parseISODate, "20190508", Date{}, false},
		{parseISODate, "2019-5-8", Date{}, false},
		{parseYYMMDD, "090924", Date{2009, 9, 24}, true},
		{parseYYMMDD, "680101", Date{2068, 1, 1}, true},
		{parseYYMMDD, "690101", Date{1969, 1, 1}, true},
		{parseYYMMDD, "991231", Date{1999, 12, 31}, true},
		{parseYYMMDD, "090931", Date{}, false},
		{parseYYMMDD, "09092", Date{}, false},
		{parseYYMMDD, "0909 4", Date{}, false},
	}
	for _, tt := range tests {
		got, ok := tt.fn(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestResolveMMDD(t *testing.T) {
	tests := []struct {
		value Date
		mmdd  string
		want  Date
		ok    bool
	}{
		{Date{2024, 12, 31}, "0102", Date{2025, 1, 2}, true},
		{Date{2025, 1, 2}, "1231", Date{2024, 12, 31}, true},
		{Date{2009, 10, 1}, "0930", Date{2009, 9, 30}, true},
		{Date{2009, 9, 25}, "0925", Date{2009, 9, 25}, true},
		{Date{2023, 7, 2}, "0101", Date{2023, 1, 1}, true},  // 182 days back vs 183 ahead
		{Date{2023, 7, 3}, "0101", Date{2024, 1, 1}, true},  // 183 back vs 182 ahead
		{Date{2024, 1, 5}, "0229", Date{2024, 2, 29}, true}, // leap year
		{Date{2023, 12, 30}, "0229", Date{2024, 2, 29}, true},
		{Date{2022, 6, 1}, "0229", Date{}, false}, // no Feb 29 in 2021-2023
		{Date{2024, 1, 5}, "1301", Date{}, false},
		{Date{2024, 1, 5}, "01x1", Date{}, false},
	}
	for _, tt := range tests {
		got, ok := resolveMMDD(tt.mmdd, tt.value)
		if got != tt.want || ok != tt.ok {
			t.Errorf("resolveMMDD(%q, %v) = %v, %v; want %v, %v", tt.mmdd, tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

// timeMonth converts a month number for table literals.
func timeMonth(m int) time.Month { return time.Month(m) }
