package report

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

// maxListed bounds the exceptions listed per platform in the HTML report;
// the Parquet files hold them all.
const maxListed = 200

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"sev": func(by map[string]int, s string) int { return by[s] },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>recon {{.S.RunDate}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.critical{background:#fdd}.high{background:#fed}
.medium{background:#ffc}small{color:#666}
</style></head><body>
<h1>Custody reconciliation, business date {{.S.RunDate}}</h1>
<p><small>recon {{.S.EngineVersion}}, configuration {{.S.ConfigSHA256}}</small></p>
<h2>Inputs</h2>
<p>{{.S.Inputs.Objects}} objects read, {{.S.Inputs.Rejected}} rejected.</p>
<table><tr><th>table</th><th>rows</th></tr>
{{range .Tables}}<tr><td>{{.Name}}</td><td class="n">{{.Rows}}</td></tr>
{{end}}</table>
{{if .S.Rejected}}<h3>Rejected inputs</h3><table><tr><th>object</th><th>reason</th></tr>
{{range .S.Rejected}}<tr><td>{{.Key}}</td><td><pre>{{.Reason}}</pre></td></tr>{{end}}</table>{{end}}
<h2>Platforms</h2>
<table><tr><th>platform</th><th>list</th><th>amount at risk</th><th>bank txns</th><th>ledger txns</th><th>matched by ref</th><th>without ref</th>
<th>critical</th><th>high</th><th>medium</th><th>low</th><th>info</th></tr>
{{range .S.Platforms}}<tr><td>{{.PlatformID}}</td><td>{{.Verdict.List}}</td><td class="n">{{range $c, $a := .Verdict.AmountAtRisk}}{{$a}} {{$c}} {{end}}</td><td class="n">{{.Bank.Transactions}}</td><td class="n">{{.Ledger.Transactions}}</td>
<td class="n">{{.Bank.MatchedByReference}}</td><td class="n">{{.Bank.MatchedWithoutReference}}</td>
<td class="n">{{sev .Exceptions.BySeverity "critical"}}</td><td class="n">{{sev .Exceptions.BySeverity "high"}}</td>
<td class="n">{{sev .Exceptions.BySeverity "medium"}}</td><td class="n">{{sev .Exceptions.BySeverity "low"}}</td>
<td class="n">{{sev .Exceptions.BySeverity "info"}}</td></tr>
{{end}}</table>
{{range .Lists}}<h2>Exceptions of platform {{.Platform}}</h2>
{{if .More}}<p>The {{len .Rows}} most severe of {{.Total}}; the Parquet files hold them all.</p>{{end}}
<table><tr><th>severity</th><th>kind</th><th>account</th><th>ledger txn</th><th>bank txn</th><th>difference</th><th>detail</th></tr>
{{range .Rows}}<tr class="{{.Severity}}"><td>{{.Severity}}</td><td>{{.Kind}}</td><td>{{.Account}}</td><td>{{.LedgerTxn}}</td>
<td>{{.BankTxn}}</td><td class="n">{{.Difference}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

type tableRow struct {
	Name string
	Rows int64
}

type listRow struct {
	Severity, Kind, Account, LedgerTxn, BankTxn, Difference, Detail string
}

type list struct {
	Platform string
	Total    int
	More     bool
	Rows     []listRow
}

// HTML renders the report from the summary and the exceptions (in the
// contract's order), listing the most severe first.
func HTML(s *Summary, exceptions []formats.Exception, scale int) []byte {
	var tables []tableRow
	for t, n := range s.Rows {
		tables = append(tables, tableRow{t, n})
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	byPlatform := map[string][]formats.Exception{}
	var platforms []string
	for _, e := range exceptions {
		if _, ok := byPlatform[e.PlatformID]; !ok {
			platforms = append(platforms, e.PlatformID)
		}
		byPlatform[e.PlatformID] = append(byPlatform[e.PlatformID], e)
	}
	sort.Strings(platforms)
	var lists []list
	for _, p := range platforms {
		es := byPlatform[p]
		rank := func(sev string) int {
			for i, s := range severities {
				if s == sev {
					return i
				}
			}
			return len(severities)
		}
		sort.SliceStable(es, func(i, j int) bool { return rank(es[i].Severity) < rank(es[j].Severity) })
		l := list{Platform: p, Total: len(es)}
		if len(es) > maxListed {
			es, l.More = es[:maxListed], true
		}
		for _, e := range es {
			d := ""
			if e.Difference.Valid {
				d = money.Format(e.Difference.Minor, scale) + " " + e.Currency
			}
			l.Rows = append(l.Rows, listRow{e.Severity, e.Kind, e.AccountID, e.LedgerTxnID, e.BankTxnID, d, e.Detail})
		}
		lists = append(lists, l)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, map[string]any{"S": s, "Tables": tables, "Lists": lists}); err != nil {
		panic(fmt.Sprintf("report template: %v", err))
	}
	return buf.Bytes()
}
