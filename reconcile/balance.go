package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

type acctKey struct{ account, currency uint32 }

// denseSums holds exact sums by group (a bank and currency, or a
// currency) and account, dense over the platform's name ids: one slice per
// group, no map access per row.
type denseSums struct {
	names  int
	groups map[[2]uint32]int
	keys   [][2]uint32
	small  [][]int64               // sums while they fit an int64
	big    []map[uint32]*money.Sum // the rest, exactly, by account
	seen   []bitset                // accounts with a sum, one bit each: small enough to stay in cache
	last   [2]uint32
	lastG  int
}

// bitset is a set of name ids.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

// set adds i, reporting whether it was new.
func (b bitset) set(i uint32) bool {
	w, m := i/64, uint64(1)<<(i%64)
	if b[w]&m != 0 {
		return false
	}
	b[w] |= m
	return true
}

func (b bitset) has(i uint32) bool { return b[i/64]&(1<<(i%64)) != 0 }

// all yields the members in increasing order.
func (b bitset) all() iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for w, word := range b {
			for word != 0 {
				i := uint32(w*64 + bits.TrailingZeros64(word))
				if !yield(i) {
					return
				}
				word &= word - 1
			}
		}
	}
}

func newDenseSums(names int) *denseSums {
	return &denseSums{names: names, groups: map[[2]uint32]int{}, lastG: -1}
}

func (d *denseSums) group(key [2]uint32, create bool) int {
	if d.lastG >= 0 && key == d.last {
		return d.lastG
	}
	g, ok := d.groups[key]
	if !ok {
		if !create {
			return -1
		}
		g = len(d.keys)
		d.groups[key] = g
		d.keys = append(d.keys, key)
		d.small = append(d.small, make([]int64, d.names))
		d.big = append(d.big, nil)
		d.seen = append(d.seen, newBitset(d.names))
	}
	d.last, d.lastG = key, g
	return g
}

// add adds v to (key, account) and reports whether it is the first value.
func (d *denseSums) add(key [2]uint32, account uint32, v int64) bool {
	return d.addTo(d.group(key, true), account, v)
}

// addTo is add to group g.
func (d *denseSums) addTo(g int, account uint32, v int64) bool {
	first := d.seen[g].set(account)
	s := d.small[g][account]
	sum := s + v
	if (s >= 0) == (v >= 0) && (sum >= 0) != (s >= 0) {
		// The int64 would wrap: carry the sum exactly in a 128-bit total.
		b := d.bigSum(g, account)
		b.Add(s)
		b.Add(v)
		sum = 0
	}
	d.small[g][account] = sum
	return first
}

// bigSum returns the 128-bit part of group g's sum of account.
func (d *denseSums) bigSum(g int, account uint32) *money.Sum {
	if d.big[g] == nil {
		d.big[g] = map[uint32]*money.Sum{}
	}
	b := d.big[g][account]
	if b == nil {
		b = new(money.Sum)
		d.big[g][account] = b
	}
	return b
}

// merge adds every sum of o, group by group in o's order.
func (d *denseSums) merge(o *denseSums) {
	for g, key := range o.keys {
		dg := d.group(key, true)
		for account := range o.seen[g].all() {
			if b := o.big[g][account]; b != nil {
				d.seen[dg].set(account)
				d.bigSum(dg, account).AddSum(*b)
			}
			d.addTo(dg, account, o.small[g][account])
		}
	}
}

// get returns the sum of (key, account), and whether anything was added.
func (d *denseSums) get(key [2]uint32, account uint32) (money.Sum, bool) {
	var out money.Sum
	g := d.group(key, false)
	if g < 0 || !d.seen[g].has(account) {
		return out, false
	}
	if b := d.big[g][account]; b != nil {
		out = *b
	}
	out.Add(d.small[g][account])
	return out, true
}

// balances reports BANK_STATEMENT_BREAK, ACCOUNT_BALANCE_MISMATCH,
// CUSTODY_SHORTFALL and CUSTODY_EXCESS.
func (r *run) balances(ctx context.Context) error {
	moves, err := r.bankMoves(ctx)
	if err != nil {
		return err
	}
	r.balancesFrom(moves)
	return nil
}

// balancesFrom is balances given the day's bank movements (bankMoves).
func (r *run) balancesFrom(moves *denseSums) {
	p := r.p
	names := p.Names.Len()
	r.statementBreaksFrom(moves)

	c := &p.CBal
	bankClosing := newDenseSums(names)
	for i := range c.N {
		bankClosing.add([2]uint32{0, c.Currency[i]}, c.Account[i], c.Closing[i])
	}

	l := &p.LBal
	ledgerClosing := newDenseSums(names)
	for i := range l.N {
		ledgerClosing.add([2]uint32{0, l.Currency[i]}, l.Account[i], l.Closing[i])
	}

	// Accounts of users.
	var keys []acctKey
	for _, sums := range []*denseSums{bankClosing, ledgerClosing} {
		for g, gk := range sums.keys {
			for acct := range sums.seen[g].all() {
				k := acctKey{acct, gk[1]}
				if !r.rules.isUser(r.reg.roleOf(k.account)) {
					continue
				}
				if sums == ledgerClosing {
					if _, ok := bankClosing.get([2]uint32{0, k.currency}, k.account); ok {
						continue // listed with the bank's
					}
				}
				keys = append(keys, k)
			}
		}
	}
	// Totals per currency over every account; the accounts whose two
	// closings differ (few) are then reported in order of currency and
	// account name, and the totals in order of currency name.
	bankTotal := map[uint32]*money.Sum{}
	ledgerTotal := map[uint32]*money.Sum{}
	var currencies []uint32
	type mismatch struct {
		acctKey
		bank, ledger *money.Sum
	}
	var differ []mismatch
	for _, k := range keys {
		bs, inBank := bankClosing.get([2]uint32{0, k.currency}, k.account)
		ls, inLedger := ledgerClosing.get([2]uint32{0, k.currency}, k.account)
		if bankTotal[k.currency] == nil {
			bankTotal[k.currency], ledgerTotal[k.currency] = new(money.Sum), new(money.Sum)
			currencies = append(currencies, k.currency)
		}
		bankTotal[k.currency].AddSum(bs)
		ledgerTotal[k.currency].AddSum(ls)
		if !inBank || !inLedger || bs != ls {
			d := mismatch{acctKey: k}
			if inBank {
				d.bank = &bs
			}
			if inLedger {
				d.ledger = &ls
			}
			differ = append(differ, d)
		}
	}
	slices.SortFunc(differ, func(a, b mismatch) int {
		if c := cmp.Compare(r.name(a.currency), r.name(b.currency)); c != 0 {
			return c
		}
		return cmp.Compare(r.name(a.account), r.name(b.account))
	})
	bankOf := banksOf(c, names, differ, func(d mismatch) acctKey { return d.acctKey })
	for _, d := range differ {
		r.emitAccountMismatch(d.acctKey, d.bank, d.ledger, bankOf[d.acctKey])
	}
	slices.SortFunc(currencies, func(a, b uint32) int { return cmp.Compare(r.name(a), r.name(b)) })
	tol := big.NewInt(r.opt.BalanceTolerance)
	for _, cur := range currencies {
		bt, lt := bankTotal[cur].Big(), ledgerTotal[cur].Big()
		diff := new(big.Int).Sub(bt, lt)
		if new(big.Int).Abs(diff).Cmp(tol) <= 0 {
			continue
		}
		kind, what := CustodyExcess, "more"
		if diff.Sign() < 0 {
			kind, what = CustodyShortfall, "less"
		}
		e := formats.Exception{Kind: kind, Currency: r.name(cur),
			BankAmount: bigAmount(bt), LedgerAmount: bigAmount(lt), Difference: bigAmount(diff)}
		e.Detail = fmt.Sprintf("Custody holds %s %s on investor and borrower accounts, %s than the %s %s the platform's ledger owes its users: difference %s (tolerance %s).",
			money.FormatBig(bt, r.opt.Scale), r.name(cur), what, money.FormatBig(lt, r.opt.Scale), r.name(cur),
			money.FormatBig(diff, r.opt.Scale), r.amt(r.opt.BalanceTolerance))
		r.emit(e)
	}
}

// banksOf returns the bank whose custody balance rows hold each of the
// accounts (key of each of list), 0 for an account that several banks
// hold. Few accounts are asked about (those whose closings differ): the
// balance rows are scanned once, a bitset over account ids passing over
// the others, rather than every account's bank kept in a map (at 1.8
// million accounts a platform, a map that missed the caches on nearly
// every row).
func banksOf[T any](c *CustodyBalances, names int, list []T, key func(T) acctKey) map[acctKey]uint32 {
	if len(list) == 0 {
		return nil
	}
	asked := newBitset(names)
	bankOf := make(map[acctKey]uint32, len(list))
	const unseen = math.MaxUint32
	for _, v := range list {
		k := key(v)
		asked.set(k.account)
		bankOf[k] = unseen
	}
	for i := range c.N {
		if !asked.has(c.Account[i]) {
			continue
		}
		k := acctKey{c.Account[i], c.Currency[i]}
		switch b, ok := bankOf[k]; {
		case !ok:
		case b == unseen:
			bankOf[k] = c.Bank[i]
		case b != c.Bank[i]:
			bankOf[k] = 0
		}
	}
	for k, b := range bankOf {
		if b == unseen {
			bankOf[k] = 0
		}
	}
	return bankOf
}

// bigAmount returns v as an amount, or null when it leaves DECIMAL(18).
func bigAmount(v *big.Int) formats.OptAmount {
	if v.IsInt64() && money.InRange(v.Int64()) {
		return formats.Amount(v.Int64())
	}
	return formats.OptAmount{}
}

func sumAmount(s *money.Sum) formats.OptAmount {
	if s == nil {
		return formats.OptAmount{}
	}
	return bigAmount(s.Big())
}

// statementBreaks reports BANK_STATEMENT_BREAK: a custody balance row
// whose opening plus the day's successful movements of its bank account
// is not its closing.
func (r *run) statementBreaks(ctx context.Context) error {
	moves, err := r.bankMoves(ctx)
	if err != nil {
		return err
	}
	r.statementBreaksFrom(moves)
	return nil
}

// statementBreaksFrom is statementBreaks given the day's bank movements.
func (r *run) statementBreaksFrom(moves *denseSums) {
	c := &r.p.CBal
	for i := range c.N {
		var expected money.Sum
		expected.Add(c.Opening[i])
		m, _ := moves.get([2]uint32{c.Bank[i], c.Currency[i]}, c.Account[i])
		expected.AddSum(m)
		var reported money.Sum
		reported.Add(c.Closing[i])
		if expected != reported {
			r.emitStatementBreak(i, expected)
		}
	}
}

// bankMoves sums the day's successful custody movements per bank,
// currency and account: rows in chunks on the workers, each into sums of
// its own, merged at the end (sums are exact, so the order of adding does
// not show).
func (r *run) bankMoves(ctx context.Context) (*denseSums, error) {
	B := &r.p.Bank
	names := r.p.Names.Len()
	parts := 1
	if B.N >= 8*partitionTarget(r.opt) { // below, merging would cost more than it saves
		parts = max(1, r.opt.Workers)
	}
	sums := make([]*denseSums, parts)
	chunk := (B.N + parts - 1) / parts
	err := parallelFor(ctx, parts, parts, func(k int) error {
		d := newDenseSums(names)
		d.addMoves(B, k*chunk, min(B.N, (k+1)*chunk))
		sums[k] = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range sums[1:] {
		sums[0].merge(d)
	}
	return sums[0], nil
}

// addMoves adds rows lo to hi of B, the successful ones, by bank and
// currency: the amount out of the payer's account, into the payee's.
//
// The sums of the row prefetchAhead rows ahead are prefetched, so that the
// processor fetches several of their cache lines at once rather than one
// miss after another (a platform's sums outgrow the caches at a few
// hundred thousand accounts).
func (d *denseSums) addMoves(B *Txns, lo, hi int) {
	for i := lo; i < hi; i++ {
		if a := i + prefetchAhead; a < hi && B.Status[a] == formats.StatusSuccess {
			// Groups are made in row order: one not made yet is not fetched.
			if g := d.group([2]uint32{B.Bank[a], B.Currency[a]}, false); g >= 0 {
				prefetch(unsafe.Pointer(&d.small[g][B.Payer[a]]))
				prefetch(unsafe.Pointer(&d.small[g][B.Payee[a]]))
			}
		}
		if B.Status[i] != formats.StatusSuccess {
			continue
		}
		g := d.group([2]uint32{B.Bank[i], B.Currency[i]}, true)
		d.addTo(g, B.Payer[i], -B.Amount[i])
		d.addTo(g, B.Payee[i], B.Amount[i])
	}
}

// StatementBreaks returns the BANK_STATEMENT_BREAK exceptions of a
// platform's custody tables alone, in the contract's order: what a bank
// can check of its own files before it uploads them (recon validate).
// The ledger, registry and loans are not looked at.
func StatementBreaks(ctx context.Context, p *Platform, opt Options) ([]formats.Exception, error) {
	if opt.Severities == nil {
		opt.Severities = DefaultSeverities()
	}
	r := &run{p: p, opt: opt}
	if err := r.statementBreaks(ctx); err != nil {
		return nil, err
	}
	formats.SortExceptions(r.out)
	return r.out, nil
}

func (r *run) fmtSum(s *money.Sum) string {
	if s == nil {
		return "no balance"
	}
	return s.Format(r.opt.Scale)
}

func (r *run) emitStatementBreak(i int, expected money.Sum) {
	c := &r.p.CBal
	var diff money.Sum
	diff.Add(c.Closing[i])
	diff.SubSum(expected)
	e := formats.Exception{
		Kind:       BankStatementBreak,
		BankID:     r.name(c.Bank[i]),
		AccountID:  r.name(c.Account[i]),
		Currency:   r.name(c.Currency[i]),
		BankAmount: formats.Amount(c.Closing[i]),
	}
	e.Difference = sumAmount(&diff)
	obj, row := c.Spans.locate(i)
	e.Detail = fmt.Sprintf("Bank %s account %s: opening %s plus the day's successful movements gives %s, but the statement closes at %s: difference %s (%s row %d).",
		r.name(c.Bank[i]), r.name(c.Account[i]), r.amt(c.Opening[i]), expected.Format(r.opt.Scale), r.amt(c.Closing[i]),
		diff.Format(r.opt.Scale), r.p.Objects[obj], row)
	r.emit(e)
}

func (r *run) emitAccountMismatch(k acctKey, bs, ls *money.Sum, bank uint32) {
	e := formats.Exception{
		Kind:         AccountBalanceMismatch,
		BankID:       r.name(bank),
		AccountID:    r.name(k.account),
		Currency:     r.name(k.currency),
		BankAmount:   sumAmount(bs),
		LedgerAmount: sumAmount(ls),
	}
	var d money.Sum
	if bs != nil {
		d.AddSum(*bs)
	}
	if ls != nil {
		d.SubSum(*ls)
	}
	e.Difference = sumAmount(&d)
	role := formats.RoleName(uint8(r.reg.roleOf(k.account)))
	switch {
	case bs == nil:
		e.Detail = fmt.Sprintf("The ledger shows %s account %s at %s %s, but the bank reports no balance for it.", role, r.name(k.account), r.fmtSum(ls), r.name(k.currency))
	case ls == nil:
		e.Detail = fmt.Sprintf("The bank holds %s %s on %s account %s, but the ledger reports no balance for it.", r.fmtSum(bs), r.name(k.currency), role, r.name(k.account))
	default:
		e.Detail = fmt.Sprintf("The bank closes %s account %s at %s %s, the ledger at %s: difference %s (bank minus ledger).",
			role, r.name(k.account), r.fmtSum(bs), r.name(k.currency), r.fmtSum(ls), d.Format(r.opt.Scale))
	}
	r.emit(e)
}
