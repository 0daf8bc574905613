// Package convert turns bank statements — ISO 20022 camt.053, SWIFT MT940
// and CSV exports read with a column mapping — into the canonical
// custody_transactions and custody_balances tables, one Parquet file per
// table and business date, under the store layout
// custody/{transactions,balances}/date=D/bank=B/platform=P/NAME.parquet.
// `recon convert` is its command line.
//
// Parsing is the statement package's (camt.053 .02 to .13 under any
// namespace, MT940 with or without SWIFT envelopes) or this package's CSV
// reader; amounts stay exact integers of minor units at amount_scale
// throughout, never floats, never rounded.
//
// # Rows
//
// Every booked entry of a statement for account X (entries that are not
// booked, and entries of amount zero, are counted and skipped) is one
// custody_transactions row under the date= partition of its booking date:
//
//   - payer_account, payee_account: a credit (money into X) is paid by the
//     counterparty to X; a debit is paid by X to the counterparty. X and
//     the counterparty's account (camt DbtrAcct of a credit, CdtrAcct of a
//     debit; MT940 ?31, IBAN+, /IBAN/ or /CNTP/ in :86:; the CSV
//     counterparty column) go through the account map (ParseAccountMap);
//     ids it does not list are kept as they are. A counterparty the
//     statement does not identify is written as the placeholder
//     "UNKNOWN:" + X's (mapped) id (PlaceholderPrefix), so the required
//     columns are never empty and all unknown counterparties of one
//     custody account are one id: a registry that does not list it makes
//     the run report money paid to it as OUTFLOW_TO_UNREGISTERED.
//   - platform_txn_id: the end-to-end id (camt EndToEndId; MT940 EREF+ or
//     /EREF/ in :86:; the CSV end_to_end_id column), null when there is
//     none ("NOTPROVIDED" and "NONREF" count as none). It is the match
//     key: without it the run matches the row without reference
//     (MATCHED_WITHOUT_REFERENCE).
//   - bank_txn_id: the bank's reference (camt AcctSvcrRef; MT940 the
//     reference after "//" in :61:, else the customer reference unless
//     NONREF; the CSV reference column). Without one it is derived as
//     "<statement account>:<statement id>:<n>", n the entry's 1-based
//     number among the statement's booked entries (MT940 statement ids
//     are ":20: :28C:", e.g. "517852257:ABN AMRO BANK NV 19321/1:3"; a CSV
//     statement's id is "<date> <currency>"). An id already given in the
//     conversion (banks reuse references, e.g. one per batch) gets the
//     first free suffix "#2", "#3", ... Statements are taken in the order
//     of their closing balance dates (input order within a date), so the
//     same files give the same ids in whatever order they are named. Both
//     are reported as notes. Ids are unique within one conversion:
//     convert the files of one day together.
//   - kind: deposit for a credit, withdrawal for a debit, unless the kind
//     map (ParseKindMap) names a kind for the entry's bank transaction
//     code (camt BkTxCd "DOMAIN/FAMILY/SUBFAMILY" or its proprietary
//     code; MT940 the :61: type such as "NCHG"; the CSV code column).
//   - status: success. Reversals (camt RvslInd, MT940 RC/RD) are booked
//     entries like any other, in the direction the file states (RC is a
//     debit, RD a credit); the memo starts with "[reversal]".
//   - booked_at: the booking date-time when the statement gives one with
//     an offset (camt BookgDt/DtTm "...Z" or "+01:00") as that instant;
//     one without an offset (or a CSV time) as that wall clock in
//     business_timezone; otherwise the booking date at 00:00 in
//     business_timezone. The date= partition is always the booking date
//     as written.
//   - amount, currency: the entry's, exactly; fee and loan_id: null.
//   - memo: the remittance information (camt Ustrd, else AddtlNtryInf or
//     AddtlTxInf; MT940 :86: purpose or free text; the CSV text columns),
//     then "[counterparty: NAME]" when the statement names the other
//     party; null when empty. A memo longer than the string limit is
//     shortened (with a note); an id that long is an error.
//
// # Balances
//
// custody_balances gets one row per (account, currency, date). A
// statement covers the days from its opening balance's date to its
// closing balance's date: its reported closing balance is the closing of
// the closing balance's date, its reported opening balance the opening of
// its first day with entries. The rows of one day collapse into one, with
// the opening of the day's first statement and the closing of its last
// (in the order above), so MT940 60M/62M pages of a day, or camt
// statements chained within a day, give one row. A statement with entries
// on several days of its period (a weekly or monthly statement) also gets
// a row for each earlier day with entries, with balances carried forward
// from its opening through each day's entries (a note lists them), so
// that the run of every day checks that day's movements; the reported
// closing stays on its own date, where a statement that does not add up
// shows. Entries booked outside the period (before the opening balance's
// date or after the closing balance's date) are written under their
// booking dates without a balance row, with a warning: the closing
// balance counts them, so the closing date's run reports the difference.
// A statement without an opening or closing balance, or with the two in
// different currencies, gets no balance row (a warning). A CSV mapping
// with a balance column gives one statement per account, currency and
// day, opening with the balance before the day's first row (the first
// row's balance minus its amount for the file's first day) and closing
// with the balance after its last; without a balance column no balance
// rows are written (a note).
//
// # Checks
//
// Conversion reports, it does not refuse: statement.Check runs over all
// statements of the conversion (across files, in the order above), and every
// statement that does not add up (opening + credits - debits != closing),
// does not chain (its closing is not the next statement's opening), mixes
// currencies or lacks a balance is a Warning note naming the file, line,
// statement and the difference, e.g.
//
//	WARNING abnamro_not_reconciling.sta:4: statement "ABN AMRO BANK NV 19321/1": balance: account 517852257, EUR:
//	opening 3236.28 + credits 0.00 - debits 321.44 = 2914.84, but the closing balance is 876.84: difference -2038.00. ...
//
// The balances are written as the bank reported them, so the files are
// valid data (`recon validate` accepts them) and the run reports
// BANK_STATEMENT_BREAK for the day. Entries outside their statement's
// period and a statement converted twice are warnings too; derived ids,
// placeholders, carried-forward balances and skipped entries are Info
// notes. `recon convert` exits 0 with warnings; with --strict it writes
// nothing and exits 1 when there is any warning.
//
// An input that cannot be read (malformed, not UTF-8 — bytes such as
// ISO-8859-1 umlauts are reported with their line —, an amount with more
// decimals than amount_scale, a currency that is not three upper-case
// letters, a date outside 1970..2199) fails the whole conversion: every
// such file is reported as a *FileError with its name and line, and
// nothing is written. Result.Files checks every file it encodes as a run
// would read it, so a file the run would reject is never written.
package convert
