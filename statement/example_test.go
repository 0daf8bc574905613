package statement_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/recon-dev/recon/statement"
)

func ExampleParseMT940() {
	const sta = `:20:STMT-1
:25:NL91ABNA0417164300
:28C:1/1
:60F:C240102EUR1000,00
:61:2401020102D250,5NTRFINV-77//BANKREF1
:86:/EREF/E2E-77/IBAN/DE89370400440532013000/NAME/ACME GMBH/REMI/Invoice 77
:61:2401020102C99,NTRFNONREF//BANKREF2
:62F:C240102EUR848,50
-`
	stmts, err := statement.ParseMT940(context.Background(), strings.NewReader(sta), statement.Options{Scale: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range stmts[0].Entries {
		fmt.Printf("%s credit=%v %d ref=%s e2e=%q %q\n", e.BookingDate, e.Credit, e.AmountMinor, e.BankRef, e.EndToEndID, e.Remittance)
	}
	// 1000.00 - 250.50 + 99.00 = 848.50: the statement reconciles.
	fmt.Println(len(statement.Check(stmts)), "problems")
	// Output:
	// 2024-01-02 credit=false 25050 ref=BANKREF1 e2e="E2E-77" "Invoice 77"
	// 2024-01-02 credit=true 9900 ref=BANKREF2 e2e="" ""
	// 0 problems
}

func ExampleCheck() {
	const xml = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>S-1</Id><Acct><Id><IBAN>CH2909000000250094239</IBAN></Id></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>
<Ntry><Amt Ccy="CHF">45.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt></Ntry>
<Ntry><Amt Ccy="CHF">9.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>
</Stmt></BkToCstmrStmt></Document>`
	stmts, err := statement.ParseCamt053(context.Background(), strings.NewReader(xml), statement.Options{Scale: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(stmts[0].Entries), "booked,", stmts[0].Skipped, "skipped")
	for _, p := range statement.Check(stmts) {
		fmt.Println(p.ID, p.Kind, p.DifferenceMinor)
	}
	// Output:
	// 1 booked, 1 skipped
	// S-1 balance 500
}
