package reconcile

import (
	"maps"
	"testing"
)

// TestBanksOf checks the bank an account mismatch names: the one bank
// whose balance rows hold the account in that currency, 0 when several
// do or none does, whatever the rows of other accounts.
func TestBanksOf(t *testing.T) {
	const b1, b2 = 1, 2
	const cny, usd = 3, 4
	rows := []struct{ bank, account, currency uint32 }{
		{b1, 10, cny}, // 10: one bank
		{b1, 11, cny}, // 11: two banks
		{b2, 11, cny},
		{b1, 12, cny}, // 12: one bank, twice
		{b1, 12, cny},
		{b2, 13, usd}, // 13: b2 in USD, b1 in CNY
		{b1, 13, cny},
		{b1, 14, cny}, // 14: not asked about
		{b2, 14, cny},
	}
	var c CustodyBalances
	for _, r := range rows {
		c.Bank, c.Account, c.Currency = append(c.Bank, r.bank), append(c.Account, r.account), append(c.Currency, r.currency)
		c.N++
	}
	asked := []acctKey{{10, cny}, {11, cny}, {12, cny}, {13, usd}, {13, cny}, {15, cny}, {10, usd}}
	got := banksOf(&c, 20, asked, func(k acctKey) acctKey { return k })
	want := map[acctKey]uint32{{10, cny}: b1, {11, cny}: 0, {12, cny}: b1, {13, usd}: b2, {13, cny}: b1, {15, cny}: 0, {10, usd}: 0}
	if !maps.Equal(got, want) {
		t.Errorf("banksOf = %v, want %v", got, want)
	}
	if got := banksOf(&c, 20, []acctKey(nil), func(k acctKey) acctKey { return k }); len(got) != 0 {
		t.Errorf("banksOf of no accounts = %v", got)
	}
}
