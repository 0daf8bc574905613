package report

import (
	"sort"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

// Lists of the supervisors' monthly verdicts.
const (
	ListBlack = "black" // a critical exception: pooling or diversion
	ListGrey  = "grey"  // high exceptions
	ListRed   = "red"   // clean
)

// Verdict is a platform's place on the supervisors' lists.
type Verdict struct {
	List string `json:"list"`
	// AmountAtRisk sums |difference| of the critical and high exceptions,
	// per currency (decimal text). One movement can appear in several
	// exceptions (a diversion is also a shortfall), so it is a measure of
	// exposure, not a ledger total.
	AmountAtRisk map[string]string `json:"amount_at_risk"`
	Critical     int               `json:"critical"`
	High         int               `json:"high"`
	Medium       int               `json:"medium"`
	Low          int               `json:"low"`
	Info         int               `json:"info"`
}

// Guarantees totals the GUARANTEE_PAYMENT movements of a platform:
// platform or guarantor money paid to investors.
type Guarantees struct {
	Count   int               `json:"count"`
	Amounts map[string]string `json:"amounts"` // per currency
}

// Judge places a platform on a list from its exceptions.
func Judge(es []formats.Exception, v config.Verdict, scale int) (Verdict, Guarantees) {
	var out Verdict
	risk := map[string]*money.Sum{}
	guar := map[string]*money.Sum{}
	var g Guarantees
	add := func(m map[string]*money.Sum, cur string, v int64) {
		if m[cur] == nil {
			m[cur] = new(money.Sum)
		}
		m[cur].Add(v)
	}
	var counts Counts
	for _, e := range es {
		counts.Add(e.Kind, e.Severity)
		if (e.Severity == "critical" || e.Severity == "high") && e.Difference.Valid {
			d := e.Difference.Minor
			if d < 0 {
				d = -d
			}
			add(risk, e.Currency, d)
		}
		if e.Kind == "GUARANTEE_PAYMENT" && e.BankAmount.Valid {
			g.Count++
			add(guar, e.Currency, e.BankAmount.Minor)
		}
	}
	sev := counts.BySeverity // nil when there are none: every count reads 0
	out.Critical, out.High, out.Medium, out.Low, out.Info = sev["critical"], sev["high"], sev["medium"], sev["low"], sev["info"]
	out.AmountAtRisk = formatSums(risk, scale)
	g.Amounts = formatSums(guar, scale)
	threshold := v.BlackAmountAtRiskMinor(scale)
	overAmount := false
	for _, s := range risk {
		if t, ok := s.Int64(); threshold > 0 && (!ok || t >= threshold) {
			overAmount = true
		}
	}
	switch {
	case out.Critical >= v.BlackCritical || overAmount:
		out.List = ListBlack
	case out.High >= v.GreyHigh:
		out.List = ListGrey
	default:
		out.List = ListRed
	}
	return out, g
}

func formatSums(m map[string]*money.Sum, scale int) map[string]string {
	out := map[string]string{}
	for cur, s := range m {
		out[cur] = s.Format(scale)
	}
	return out
}

// currencies returns the keys of a per-currency map in order.
func currencies(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
