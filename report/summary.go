package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/recon-dev/recon/reconcile"
)

// Summary is summary.json.
type Summary struct {
	RunDate       string           `json:"run_date"`
	EngineVersion string           `json:"engine_version"`
	ConfigSHA256  string           `json:"config_sha256"`
	AmountScale   int              `json:"amount_scale"`
	Rows          map[string]int64 `json:"rows"` // accepted rows per input table
	Inputs        InputCounts      `json:"inputs"`
	Exceptions    Counts           `json:"exceptions"`
	Platforms     []Platform       `json:"platforms"`
	Rejected      []Rejected       `json:"rejected_inputs"`
	Outputs       Outputs          `json:"outputs"`
}

// InputCounts counts input objects.
type InputCounts struct {
	Objects  int `json:"objects"`
	Rejected int `json:"rejected"`
}

// Counts counts exceptions by kind and severity.
type Counts struct {
	Total      int            `json:"total"`
	ByKind     map[string]int `json:"by_kind"`
	BySeverity map[string]int `json:"by_severity"`
}

// Add counts one exception.
func (c *Counts) Add(kind, severity string) {
	if c.ByKind == nil {
		c.ByKind, c.BySeverity = map[string]int{}, map[string]int{}
	}
	c.Total++
	c.ByKind[kind]++
	c.BySeverity[severity]++
}

// Platform is one platform's line of the summary.
type Platform struct {
	PlatformID string               `json:"platform_id"`
	Bank       reconcile.SideCounts `json:"bank"`
	Ledger     reconcile.SideCounts `json:"ledger"`
	Exceptions Counts               `json:"exceptions"`
	Verdict    Verdict              `json:"verdict"`
	Guarantees Guarantees           `json:"guarantee_payments"`
}

// Rejected is a quarantined input.
type Rejected struct {
	Key        string `json:"key"`
	PlatformID string `json:"platform_id"`
	Reason     string `json:"reason"`
}

// Outputs names the run's output objects.
type Outputs struct {
	Exceptions []string `json:"exceptions"`
	Summary    string   `json:"summary"`
	Report     string   `json:"report"`
	Manifest   string   `json:"manifest"`
}

// JSON returns the summary as indented JSON with a final newline.
func (s *Summary) JSON() []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("summary: %v", err)) // plain data: cannot fail
	}
	return append(b, '\n')
}

var severities = []string{"critical", "high", "medium", "low", "info"}

// WriteText prints the short human summary `recon demo` and `recon run`
// show: rows read per table, exceptions per kind and severity per
// platform, and where the outputs are.
func (s *Summary) WriteText(w io.Writer, root string) {
	fmt.Fprintf(w, "recon %s: business date %s\n\n", s.EngineVersion, s.RunDate)
	fmt.Fprintf(w, "Rows read (%d input objects, %d rejected):\n", s.Inputs.Objects, s.Inputs.Rejected)
	tables := make([]string, 0, len(s.Rows))
	for t := range s.Rows {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(w, "  %-22s %12d\n", t, s.Rows[t])
	}
	fmt.Fprintf(w, "\nExceptions: %d (%s)\n", s.Exceptions.Total, severityLine(s.Exceptions.BySeverity))
	fmt.Fprintf(w, "\nVerdicts (black: critical exceptions, grey: high ones, red: clean):\n")
	for _, p := range s.Platforms {
		if p.PlatformID == "" {
			continue
		}
		fmt.Fprintf(w, "  %-6s %-20s amount at risk %s\n", p.Verdict.List, p.PlatformID, amountsLine(p.Verdict.AmountAtRisk))
	}
	for _, p := range s.Platforms {
		name := p.PlatformID
		if name == "" {
			name = "(no platform)"
		}
		fmt.Fprintf(w, "\n  platform %s: %d bank / %d ledger transactions, %d matched by reference, %d without\n",
			name, p.Bank.Transactions, p.Ledger.Transactions, p.Bank.MatchedByReference, p.Bank.MatchedWithoutReference)
		fmt.Fprintf(w, "    verdict: %s list, amount at risk %s\n", p.Verdict.List, amountsLine(p.Verdict.AmountAtRisk))
		if p.Guarantees.Count > 0 {
			fmt.Fprintf(w, "    guarantee payments: %d, %s\n", p.Guarantees.Count, amountsLine(p.Guarantees.Amounts))
		}
		fmt.Fprintf(w, "    %d exceptions (%s)\n", p.Exceptions.Total, severityLine(p.Exceptions.BySeverity))
		kinds := make([]string, 0, len(p.Exceptions.ByKind))
		for k := range p.Exceptions.ByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(w, "      %-28s %8d\n", k, p.Exceptions.ByKind[k])
		}
	}
	if len(s.Rejected) > 0 {
		fmt.Fprintf(w, "\nRejected inputs (quarantined):\n")
		for _, r := range s.Rejected {
			fmt.Fprintf(w, "  %s\n    %s\n", r.Key, strings.ReplaceAll(r.Reason, "\n", "\n    "))
		}
	}
	fmt.Fprintf(w, "\nOutputs under %s:\n", root)
	for _, k := range s.Outputs.Exceptions {
		fmt.Fprintf(w, "  %s\n", k)
	}
	fmt.Fprintf(w, "  %s\n  %s\n  %s\n", s.Outputs.Summary, s.Outputs.Report, s.Outputs.Manifest)
}

func amountsLine(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, c := range currencies(m) {
		parts = append(parts, m[c]+" "+c)
	}
	return strings.Join(parts, ", ")
}

func severityLine(by map[string]int) string {
	var parts []string
	for _, s := range severities {
		if n := by[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
