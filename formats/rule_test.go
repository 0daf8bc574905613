package formats

import (
	"math"
	"testing"
)

// TestRuleRange checks that the bulk readers' range of allowed values is
// exactly the values rule allows, at every boundary.
func TestRuleRange(t *testing.T) {
	values := []int64{math.MinInt64, -1, 0, 1, math.MaxInt64,
		minMicros - 1, minMicros, minMicros + 1, maxMicros - 1, maxMicros, maxMicros + 1,
		minDays - 1, minDays, minDays + 1, maxDays - 1, maxDays, maxDays + 1}
	for _, typ := range []Type{Decimal, Timestamp, Date, Bool, String} {
		for _, rule := range []Rule{NoRule, Positive, NonNegative} {
			s := &sink{col: Column{Name: "x", Type: typ, Rule: rule}}
			lo, hi := s.ruleRange()
			for _, v := range values {
				if inRange, ok := lo <= v && v <= hi, s.rule(v) == nil; inRange != ok {
					t.Errorf("type %v rule %v value %d: in %d..%d is %v, rule allows it: %v", typ, rule, v, lo, hi, inRange, ok)
				}
			}
		}
	}
}
