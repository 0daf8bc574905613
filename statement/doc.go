// Package statement parses bank statements — ISO 20022 camt.053 (XML) and
// SWIFT MT940 — into exact, reconcilable values, and checks that they add
// up.
//
// # Contract
//
// ParseCamt053 and ParseMT940 read a whole input and return every statement
// in it, in input order, or an error; never a partial result. Amounts go
// straight from text into int64 minor units at Options.Scale (2 means
// cents), with no floating point anywhere: an amount with more non-zero
// decimals than the scale, or one that does not fit in an int64, is an
// error (ErrAmount), never rounded or wrapped. Every problem in the input
// is a *ParseError carrying the 1-based line, the field (MT940 tag such as
// ":61:", or camt element path such as "Ntry/Amt") and one of the sentinel
// errors of errors.go, so callers can use errors.Is and errors.As. Inputs
// larger than the limits of limits.go are refused with ErrLimit, not
// truncated; parsing is streaming and linear in the input, and the context
// is checked regularly.
//
// Each Statement has an opening and a closing Balance (signed: negative is
// a debit balance) and the booked Entries between them. Each Entry has a
// direction (Credit: money in) and a positive AmountMinor, so that
//
//	Opening + sum(credit amounts) - sum(debit amounts) == Closing
//
// holds for a consistent statement. Check verifies exactly that, plus the
// chaining of consecutive statements of one account, and returns the
// differences as Problem values: a statement that does not add up is data
// to report, not a parse error.
//
// # camt.053
//
// Elements are matched by local name; namespaces (camt.053.001.02 to .13,
// bank-specific ones, prefixes) are ignored. Every <Stmt> under
// <BkToCstmrStmt> is a Statement. Opening balance: the Bal of type OPBD,
// else PRCD, else the first ITBD; closing: CLBD, else the last ITBD. A
// balance with CdtDbtInd DBIT is negative. Only entries with status BOOK
// (<Sts>BOOK</Sts>, or <Sts><Cd>BOOK</Cd></Sts> from version 8) are
// returned; others are counted in Statement.Skipped. The direction is the
// entry's CdtDbtInd; a reversal (RvslInd true) is booked in the direction
// the file states and only flagged with Entry.Reversal. A batch entry (one
// Ntry with several TxDtls) is one Entry with the Ntry amount — that is
// what the balances add up — and takes the first provided EndToEndId of its
// transactions; counterparty fields are only filled when the entry has
// exactly one TxDtls. The counterparty is the debtor (Dbtr, DbtrAcct) of a
// credit and the creditor (Cdtr, CdtrAcct) of a debit. Dates given as
// date-times keep their written calendar date; a booking date-time is also
// kept in Entry.BookingTime (in UTC when it has an offset, else as its
// wall clock with BookingTimeLocal set). The bank transaction code BkTxCd
// becomes Entry.BankTxCode, "DOMAIN/FAMILY/SUBFAMILY" or the proprietary
// code.
//
// # MT940
//
// Statements start at :20: and run to the next :20:, a "-" line, a SWIFT
// block end "-}", or the end of input; text outside statements (bank
// preambles, SWIFT header lines) is ignored. Each message is a Statement,
// including 60M/62M intermediate pages. In :61: the mark C or D gives the
// direction; RC (reversal of a credit) is booked as a debit and RD
// (reversal of a debit) as a credit, both with Reversal set — the same
// booking as the Rust crate mt940-rs, which names them ReverseDebit and
// ReverseCredit. The transaction type ("NTRF", "NCHG") is Entry.BankTxCode. The entry date (MMDD) takes the year that puts it closest
// to the value date (value 2024-12-31, entry 0102 gives 2025-01-02); a
// missing or blank entry date means the value date. Two-digit years 00-68
// are 2000-2068, 69-99 are 1969-1999. The :86: fields following a :61:
// belong to it: German structured (?20-?29 purpose, ?31 account, ?32/?33
// name, EREF+), slash-coded (/EREF/, /IBAN/, /NAME/, /REMI/, /CNTP/) and
// free-text layouts are read; free text is joined into one line (lines
// shorter than the 65-character SWIFT width are joined with a space, full
// lines without). The input must be UTF-8: other bytes (such as
// ISO-8859-1 umlauts) are an ErrEncoding error naming the line.
//
// Entries of amount zero (e.g. MT940 lines that only carry information)
// move no money: they are counted in Skipped, so every returned Entry has
// AmountMinor > 0.
//
// # Example
//
//	f, err := os.Open("statement.sta")
//	if err != nil {
//		return err
//	}
//	defer f.Close()
//	stmts, err := statement.ParseMT940(ctx, f, statement.Options{Scale: 2})
//	if err != nil {
//		var pe *statement.ParseError
//		if errors.As(err, &pe) {
//			log.Printf("bad statement at line %d (%s): %v", pe.Line, pe.Field, pe.Err)
//		}
//		return err
//	}
//	for _, p := range statement.Check(stmts) {
//		log.Printf("statement %s: %s off by %d cents: %s", p.ID, p.Kind, p.DifferenceMinor, p.Detail)
//	}
package statement
