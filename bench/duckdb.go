package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// reconSQL is the reconciliation a data-minded auditor would write: the two
// transaction tables full-outer-joined on the reference, breaks classified,
// per-account balances of investors and borrowers compared, exceptions
// written to Parquet.
const reconSQL = `
SET threads = {{THREADS}};
CREATE VIEW bank AS SELECT * FROM read_parquet('{{ROOT}}/custody/transactions/date={{DATE}}/*/*/*.parquet', hive_partitioning = false);
CREATE VIEW ledger AS SELECT * FROM read_parquet('{{ROOT}}/ledger/transactions/date={{DATE}}/*/*.parquet', hive_partitioning = false);
CREATE VIEW cbal AS SELECT * FROM read_parquet('{{ROOT}}/custody/balances/date={{DATE}}/*/*/*.parquet', hive_partitioning = false);
CREATE VIEW lbal AS SELECT * FROM read_parquet('{{ROOT}}/ledger/balances/date={{DATE}}/*/*.parquet', hive_partitioning = false);
CREATE VIEW accounts AS SELECT * FROM read_parquet('{{ROOT}}/registry/accounts/*/*.parquet', hive_partitioning = false);
COPY (
  WITH j AS (
    SELECT coalesce(l.platform_id, b.platform_id) AS platform_id, l.txn_id, b.bank_txn_id,
           l.amount AS ledger_amount, b.amount AS bank_amount, l.status AS ls, b.status AS bs,
           l.payer_account AS lpayer, b.payer_account AS bpayer, l.payee_account AS lpayee, b.payee_account AS bpayee,
           l.currency AS lcur, b.currency AS bcur
    FROM ledger l FULL OUTER JOIN bank b ON b.platform_id = l.platform_id AND b.platform_txn_id = l.txn_id
  ), k AS (
    SELECT *, unnest([
      CASE WHEN bank_txn_id IS NULL AND ls = 'success' THEN 'MISSING_AT_BANK' END,
      CASE WHEN txn_id IS NULL AND bs = 'success' THEN 'MISSING_IN_LEDGER' END,
      CASE WHEN txn_id IS NOT NULL AND bank_txn_id IS NOT NULL AND (ls = 'success' OR bs = 'success') THEN
        CASE WHEN (ls = 'success') <> (bs = 'success') THEN 'STATUS_MISMATCH' END END,
      CASE WHEN txn_id IS NOT NULL AND bank_txn_id IS NOT NULL AND (ls = 'success' OR bs = 'success') AND ledger_amount <> bank_amount THEN 'AMOUNT_MISMATCH' END,
      CASE WHEN txn_id IS NOT NULL AND bank_txn_id IS NOT NULL AND (ls = 'success' OR bs = 'success') AND lpayer <> bpayer THEN 'PAYER_MISMATCH' END,
      CASE WHEN txn_id IS NOT NULL AND bank_txn_id IS NOT NULL AND (ls = 'success' OR bs = 'success') AND lpayee <> bpayee THEN 'PAYEE_MISMATCH' END,
      CASE WHEN txn_id IS NOT NULL AND bank_txn_id IS NOT NULL AND (ls = 'success' OR bs = 'success') AND lcur <> bcur THEN 'CURRENCY_MISMATCH' END
    ]) AS kind FROM j
  )
  SELECT kind, platform_id, txn_id AS ledger_txn_id, bank_txn_id, ledger_amount, bank_amount,
         coalesce(bank_amount, 0) - coalesce(ledger_amount, 0) AS difference
  FROM k WHERE kind IS NOT NULL ORDER BY platform_id, kind, ledger_txn_id, bank_txn_id
) TO '{{OUT}}/transaction_breaks.parquet' (FORMAT parquet, COMPRESSION zstd);
COPY (
  WITH c AS (SELECT platform_id, account_id, currency, sum(closing_balance) AS closing FROM cbal GROUP BY ALL),
       l AS (SELECT platform_id, account_id, currency, sum(closing_balance) AS closing FROM lbal GROUP BY ALL),
       users AS (SELECT platform_id, account_id FROM accounts WHERE role IN ('investor', 'borrower'))
  SELECT 'ACCOUNT_BALANCE_MISMATCH' AS kind, platform_id, account_id, currency, c.closing AS bank_amount, l.closing AS ledger_amount,
         coalesce(c.closing, 0) - coalesce(l.closing, 0) AS difference
  FROM c FULL OUTER JOIN l USING (platform_id, account_id, currency) SEMI JOIN users USING (platform_id, account_id)
  WHERE c.closing IS DISTINCT FROM l.closing ORDER BY ALL
) TO '{{OUT}}/balance_breaks.parquet' (FORMAT parquet, COMPRESSION zstd);
`

func duckdbMain(args []string) error {
	fs := flag.NewFlagSet("duckdb", flag.ContinueOnError)
	root := fs.String("root", "", "store root")
	out := fs.String("out", "", "output directory")
	threads := fs.Int("threads", 2, "DuckDB threads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	q := strings.NewReplacer("{{ROOT}}", *root, "{{OUT}}", *out, "{{DATE}}", date, "{{THREADS}}", fmt.Sprint(*threads)).Replace(reconSQL)
	for _, stmt := range strings.Split(q, ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	return nil
}

// readDuckCounts counts DuckDB's breaks per kind (not timed).
func readDuckCounts(out string) (map[string]int, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf(`SELECT kind, count(*) FROM read_parquet(['%s', '%s']) GROUP BY kind`,
		filepath.Join(out, "transaction_breaks.parquet"), filepath.Join(out, "balance_breaks.parquet")))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		counts[k] = n
	}
	return counts, rows.Err()
}
