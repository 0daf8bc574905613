package reconcile

import (
	"context"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

const (
	numRoles = int(formats.RoleExternal) + 1
	numKinds = int(formats.KindRefund) + 1
)

type condition uint8

const (
	condAlways condition = iota
	condSameHolder
	condLoanNamed
	condLoanBorrowerPayee
	condLoanBorrowerPayer
	condFeeWithinCap
)

var conditionNames = map[string]condition{
	config.WhenAlways: condAlways, config.WhenSameHolder: condSameHolder, config.WhenLoanNamed: condLoanNamed,
	config.WhenLoanBorrowerPayee: condLoanBorrowerPayee, config.WhenLoanBorrowerPayer: condLoanBorrowerPayer,
	config.WhenFeeWithinCap: condFeeWithinCap,
}

var conditionText = [...]string{
	condAlways:            "always",
	condSameHolder:        "payer and payee must belong to one holder",
	condLoanNamed:         "the movement must name a registered loan",
	condLoanBorrowerPayee: "the movement must name a registered loan whose borrower is the payee",
	condLoanBorrowerPayer: "the movement must name a registered loan whose borrower is the payer",
	condFeeWithinCap:      "the fee must name a loan and stay within max_fee_rate of the payer's bids, disbursements and repayments on it that day",
}

type flowRule struct {
	when   condition
	report string
}

// FlowRules are the compiled allowed-flow table: rules by (payer role,
// payee role, kind), and the role sets the precise rules use.
type FlowRules struct {
	allowed   [numRoles][numRoles][numKinds][]flowRule
	user      [numRoles]bool
	pooling   [numRoles]bool
	platform  [numRoles]bool
	guarantee [numRoles]bool
	feeCoef   *big.Int // max_fee_rate = feeCoef / feeDen
	feeDen    *big.Int // a power of ten
	feeRate   string
	// feeCoef64 and feeDen64 are feeCoef and feeDen when both fit a
	// uint64 (fee64): the cap is then checked in 128-bit integers.
	feeCoef64, feeDen64 uint64
	fee64               bool
}

// NewFlowRules compiles the configured rules.
func NewFlowRules(f config.Flows, maxFeeRate string) (*FlowRules, error) {
	rate, err := decimal.NewFromString(maxFeeRate)
	if err != nil || rate.Sign() < 0 {
		return nil, fmt.Errorf("max_fee_rate %q: not a non-negative decimal", maxFeeRate)
	}
	fr := &FlowRules{feeCoef: rate.Coefficient(), feeDen: big.NewInt(1), feeRate: maxFeeRate}
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(int64(rate.Exponent()))), nil)
	if rate.Exponent() < 0 {
		fr.feeDen = pow
	} else {
		fr.feeCoef.Mul(fr.feeCoef, pow)
	}
	if fr.feeCoef.IsUint64() && fr.feeDen.IsUint64() {
		fr.feeCoef64, fr.feeDen64, fr.fee64 = fr.feeCoef.Uint64(), fr.feeDen.Uint64(), true
	}
	role := func(name string) (int, error) {
		c, ok := formats.RoleCode(name)
		if !ok {
			return 0, fmt.Errorf("unknown role %q", name)
		}
		return int(c), nil
	}
	for _, r := range f.Allowed {
		cond, ok := conditionNames[r.When]
		if !ok {
			return nil, fmt.Errorf("unknown condition %q", r.When)
		}
		for _, pr := range r.Payer {
			p, err := role(pr)
			if err != nil {
				return nil, err
			}
			for _, qr := range r.Payee {
				q, err := role(qr)
				if err != nil {
					return nil, err
				}
				for _, kn := range r.Kinds {
					k, ok := formats.KindCode(kn)
					if !ok {
						return nil, fmt.Errorf("unknown kind %q", kn)
					}
					fr.allowed[p][q][k] = append(fr.allowed[p][q][k], flowRule{when: cond, report: r.Report})
				}
			}
		}
	}
	for _, set := range []struct {
		names []string
		dst   *[numRoles]bool
	}{{f.UserRoles, &fr.user}, {f.PoolingRoles, &fr.pooling}, {f.PlatformRoles, &fr.platform}, {f.GuaranteeRoles, &fr.guarantee}} {
		for _, n := range set.names {
			r, err := role(n)
			if err != nil {
				return nil, err
			}
			set.dst[r] = true
		}
	}
	return fr, nil
}

// DefaultFlowRules returns the contract's table with the default fee cap.
func DefaultFlowRules() *FlowRules {
	fr, err := NewFlowRules(config.DefaultFlows(), config.Default().MaxFeeRate)
	if err != nil {
		panic(err) // the defaults are fixed and valid
	}
	return fr
}

// isUser reports whether role holds users' money.
func (fr *FlowRules) isUser(role int) bool { return role >= 0 && fr.user[role] }

// feeBases holds the fee cap's base of each payer and loan a fee names,
// found by loan: the pairs of loan id l are pairs[first[l]:first[l+1]],
// a handful (the loan's investors, say), so a lookup reads one entry of
// first and a few of payer, arrays a tenth the size of a hash table over
// the pairs, and mostly in cache.
type feeBases struct {
	first []uint32 // by loan id, one more than there are names
	payer []uint32 // each pair's payer; a payer may repeat, the first is the pair's
	sums  []money.Sum
	// payers holds a bit for each payer of a fee: only their rows need a
	// base lookup.
	payers bitset
}

// feeKey is the payer and loan of a successful fee naming a loan.
type feeKey struct{ payer, loan uint32 }

// FeeKeys are the payer and loan of each successful fee naming a loan:
// the fee cap's bases to sum. A platform reconciled in parts has them
// taken as its rows are loaded (ReconcileParts).
type FeeKeys []feeKey

// Add adds the keys of t's fees, t being bank transactions.
func (f *FeeKeys) Add(t *Txns) {
	for i := range t.N {
		if t.Status[i] == formats.StatusSuccess && t.Kind[i] == formats.KindFee && t.Loan[i] != 0 {
			*f = append(*f, feeKey{t.Payer[i], t.Loan[i]})
		}
	}
}

// newFeeBases returns empty bases for the payer and loan of each key,
// over a platform of names names.
func newFeeBases(keys FeeKeys, names int) *feeBases {
	f := &feeBases{first: make([]uint32, names+1), payer: make([]uint32, len(keys)), sums: make([]money.Sum, len(keys)),
		payers: newBitset(names)}
	for _, k := range keys {
		f.first[k.loan+1]++
	}
	for l := 1; l <= names; l++ {
		f.first[l] += f.first[l-1]
	}
	next := slices.Clone(f.first[:names])
	for _, k := range keys {
		f.payer[next[k.loan]] = k.payer
		next[k.loan]++
		f.payers.set(k.payer)
	}
	return f
}

// prefetchLoan starts fetching where get looks loan up first.
func (f *feeBases) prefetchLoan(loan uint32) { prefetch(unsafe.Pointer(&f.first[loan])) }

// prefetchPairs starts fetching the first of loan's pairs, which get
// reads next: loan's entry in first, read here, should be in cache
// (prefetchLoan, some rows before).
func (f *feeBases) prefetchPairs(loan uint32) {
	if k := f.first[loan]; k < f.first[loan+1] {
		prefetch(unsafe.Pointer(&f.payer[k]))
		prefetch(unsafe.Pointer(&f.sums[k]))
	}
}

// prefetchSum finds the pair of payer and loan (find), whose entries
// prefetchPairs fetched, and starts fetching its sum, which get reads
// next. It returns the pair's index, -1 when no fee names them.
func (f *feeBases) prefetchSum(payer, loan uint32) int {
	k := f.find(payer, loan)
	if k >= 0 {
		prefetch(unsafe.Pointer(&f.sums[k]))
	}
	return k
}

// get returns the base of payer and loan, nil when no fee names them.
func (f *feeBases) get(payer, loan uint32) *money.Sum {
	if k := f.find(payer, loan); k >= 0 {
		return &f.sums[k]
	}
	return nil
}

// find returns the index of the pair of payer and loan, -1 when no fee
// names them.
func (f *feeBases) find(payer, loan uint32) int {
	for k := f.first[loan]; k < f.first[loan+1]; k++ {
		if f.payer[k] == payer {
			return int(k)
		}
	}
	return -1
}

// relatedLoans sums what each loan of a related-party borrower received
// in bids and disbursements: RELATED_PARTY_LOAN.
type relatedLoans struct {
	loans map[uint32]*relatedLoan
	order []uint32 // in order of first funding; sorted by name to report
}

type relatedLoan struct {
	total money.Sum
	n     int
	bank  uint32 // the bank of every funding row, 0 when several
}

func newRelatedLoans() *relatedLoans { return &relatedLoans{loans: map[uint32]*relatedLoan{}} }

// add counts one funding row of loan, at bank.
func (rl *relatedLoans) add(loan, bank uint32, amount int64) {
	l := rl.loans[loan]
	if l == nil {
		l = &relatedLoan{bank: bank}
		rl.loans[loan] = l
		rl.order = append(rl.order, loan)
	}
	l.total.Add(amount)
	l.n++
	if l.bank != bank {
		l.bank = 0
	}
}

// flows checks every successful custody movement against the allowed-flow
// table and reports one flow kind for each it does not allow, the
// GUARANTEE_PAYMENT of each allowed movement its rule reports, and one
// RELATED_PARTY_LOAN per loan whose related-party borrower is funded.
//
// One serial pass sums the fee cap's bases (the day's) and the insiders'
// loans; the checks then run over chunks of rows in parallel (checkFlows),
// every base whole.
func (r *run) flows(ctx context.Context) error {
	B := &r.p.Bank
	var keys FeeKeys
	keys.Add(B)
	bases := newFeeBases(keys, r.p.Names.Len())
	related := newRelatedLoans()
	r.daySums(bases, related)
	if err := r.checkFlows(ctx, bases, nil); err != nil {
		return err
	}
	r.emitRelated(related)
	return nil
}

// daySums adds the platform's bank rows to the fee cap's bases (the
// payer's successful bids, disbursements and repayments on each loan a
// fee names) and to the insiders' loans.
func (r *run) daySums(bases *feeBases, related *relatedLoans) {
	B := &r.p.Bank
	// The rows that add to a base are gathered a batch at a time, then
	// added with their bases prefetched in three steps, the loan's entry,
	// its pairs, then the pair's sum: on a platform of a million names the
	// bases' arrays outgrow the caches.
	var batch [1024]int32
	var pair [len(batch)]int
	for lo := 0; lo < B.N; {
		n := 0
		i := lo
		for ; i < B.N && n < len(batch); i++ {
			if B.Status[i] != formats.StatusSuccess {
				continue
			}
			switch k := B.Kind[i]; k {
			case formats.KindBid, formats.KindDisbursement, formats.KindRepayment:
				if bases.payers.has(B.Payer[i]) {
					batch[n] = int32(i)
					n++
				}
				if k != formats.KindRepayment && r.reg.insiderLoan(B.Loan[i]) {
					if b := r.reg.borrower(B.Loan[i]); b == B.Payee[i] {
						related.add(B.Loan[i], B.Bank[i], B.Amount[i])
					}
				}
			}
		}
		lo = i
		// Three steps ahead of its turn, a row's loan entry is fetched;
		// two, its loan's pairs; one, its pair is found (pair) and its sum
		// fetched.
		const d = prefetchAhead / 2
		for j := range min(3*d, n) {
			bases.prefetchLoan(B.Loan[batch[j]])
		}
		for j := range min(2*d, n) {
			bases.prefetchPairs(B.Loan[batch[j]])
		}
		for j := range min(d, n) {
			pair[j] = bases.prefetchSum(B.Payer[batch[j]], B.Loan[batch[j]])
		}
		for j, row := range batch[:n] {
			if a := j + 3*d; a < n {
				bases.prefetchLoan(B.Loan[batch[a]])
			}
			if a := j + 2*d; a < n {
				bases.prefetchPairs(B.Loan[batch[a]])
			}
			if a := j + d; a < n {
				pair[a] = bases.prefetchSum(B.Payer[batch[a]], B.Loan[batch[a]])
			}
			if k := pair[j]; k >= 0 {
				bases.sums[k].Add(B.Amount[row])
			}
		}
	}
}

// emitRelated reports RELATED_PARTY_LOAN for each loan of related, in
// order of loan name.
func (r *run) emitRelated(related *relatedLoans) {
	order := slices.Clone(related.order)
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(r.name(a), r.name(b)) })
	for _, loan := range order {
		rl := related.loans[loan]
		b := r.reg.borrower(loan)
		e := formats.Exception{Kind: RelatedPartyLoan, BankID: r.name(rl.bank), AccountID: r.name(b), LoanID: r.name(loan),
			BankAmount: sumAmount(&rl.total), Difference: sumAmount(&rl.total), Currency: r.loanCurrency(loan)}
		e.Detail = fmt.Sprintf("Loan %s is borrowed by %s, whose holder %s is a related party of the platform; it received %d bids or disbursements totalling %s today: investors are financing an insider.",
			r.name(loan), r.name(b), r.name(r.reg.holder(b)), rl.n, rl.total.Format(r.opt.Scale))
		r.emit(e)
	}
}

func (r *run) loanCurrency(loan uint32) string {
	for i := range r.p.Loans.N {
		if r.p.Loans.Loan[i] == loan {
			return r.name(r.p.Loans.Currency[i])
		}
	}
	return ""
}

// holds evaluates a rule's condition for bank row i.
func (r *run) holds(c condition, i int, bases *feeBases) bool {
	B := &r.p.Bank
	payer, payee, loan := B.Payer[i], B.Payee[i], B.Loan[i]
	g := &r.reg
	switch c {
	case condAlways:
		return true
	case condSameHolder:
		return g.holder(payer) != 0 && g.holder(payer) == g.holder(payee)
	case condLoanNamed:
		return g.isLoan(loan)
	case condLoanBorrowerPayee:
		return g.isLoan(loan) && g.borrower(loan) == payee
	case condLoanBorrowerPayer:
		return g.isLoan(loan) && g.borrower(loan) == payer
	case condFeeWithinCap:
		if !g.isLoan(loan) {
			return false
		}
		base := bases.get(payer, loan)
		if base == nil {
			return false
		}
		if v, ok := base.Int64(); ok && r.rules.fee64 && B.Amount[i] >= 0 {
			if v <= 0 {
				return false
			}
			// amount * den <= coef * base, in 128 bits
			h1, l1 := bits.Mul64(uint64(B.Amount[i]), r.rules.feeDen64)
			h2, l2 := bits.Mul64(r.rules.feeCoef64, uint64(v))
			return h1 < h2 || h1 == h2 && l1 <= l2
		}
		b := base.Big()
		if b.Sign() <= 0 {
			return false
		}
		// amount <= rate * base  <=>  amount * den <= coef * base
		lhs := new(big.Int).Mul(big.NewInt(B.Amount[i]), r.rules.feeDen)
		return lhs.Cmp(new(big.Int).Mul(r.rules.feeCoef, b)) <= 0
	}
	return false
}

func (r *run) roleText(id uint32) string {
	role := r.reg.roleOf(id)
	if role == noRole {
		return r.name(id) + " (not in the registry)"
	}
	return fmt.Sprintf("%s (%s of %s)", r.name(id), formats.RoleName(uint8(role)), r.name(r.reg.holder(id)))
}

// checkFlows checks every successful row (checkFlow) but those the first
// rule that holds allows without a report, which checkFlow would pass
// over in silence; only the rows only selects, when not nil. It runs over
// chunks of rows in parallel, each chunk's exceptions in a run of its
// own, joined in chunk order (emitRows); the bases of the rows it checks
// must be whole.
func (r *run) checkFlows(ctx context.Context, bases *feeBases, only func(i int) bool) error {
	B := &r.p.Bank
	return r.emitRows(ctx, B.N, func(cr *run, lo, hi int) {
		for i := lo; i < hi; i++ {
			if a := i + prefetchAhead; a < hi { // its registry entries
				r.reg.prefetch(B.Payer[a], B.Payee[a], B.Loan[a])
			}
			// A fee's cap reads its base (holds): prefetched in three steps,
			// as daySums does.
			const d = prefetchAhead / 2
			if a := i + 3*d; a < hi && B.Kind[a] == formats.KindFee {
				bases.prefetchLoan(B.Loan[a])
			}
			if a := i + 2*d; a < hi && B.Kind[a] == formats.KindFee {
				bases.prefetchPairs(B.Loan[a])
			}
			if a := i + d; a < hi && B.Kind[a] == formats.KindFee {
				bases.prefetchSum(B.Payer[a], B.Loan[a])
			}
			if B.Status[i] == formats.StatusSuccess && (only == nil || only(i)) && !cr.allowedSilently(i, bases) {
				cr.checkFlow(i, bases)
			}
		}
	})
}

// allowedSilently reports whether the first rule that holds for row i
// allows it without a report.
func (r *run) allowedSilently(i int, bases *feeBases) bool {
	_, _, rules := r.rulesFor(i)
	for _, rule := range rules {
		if r.holds(rule.when, i, bases) {
			return rule.report == ""
		}
	}
	return false
}

// needsBase reports whether a rule for bank row i asks for the fee cap's
// base: its check must wait for the day's bases to be whole.
func (r *run) needsBase(i int) bool {
	_, _, rules := r.rulesFor(i)
	for _, rule := range rules {
		if rule.when == condFeeWithinCap {
			return true
		}
	}
	return false
}

// rulesFor returns the roles of bank row i's payer and payee and the
// rules for its (payer role, payee role, kind), none when either account
// is unregistered.
func (r *run) rulesFor(i int) (rp, rq int, rules []flowRule) {
	B := &r.p.Bank
	rp, rq = r.reg.roleOf(B.Payer[i]), r.reg.roleOf(B.Payee[i])
	if rp != noRole && rq != noRole {
		rules = r.rules.allowed[rp][rq][B.Kind[i]]
	}
	return rp, rq, rules
}

func (r *run) checkFlow(i int, bases *feeBases) {
	B := &r.p.Bank
	fr := r.rules
	payer, payee, kind := B.Payer[i], B.Payee[i], B.Kind[i]
	rp, rq, rules := r.rulesFor(i)
	for _, rule := range rules {
		if r.holds(rule.when, i, bases) {
			if rule.report != "" {
				e := r.flowException(rule.report, i)
				e.Detail = fmt.Sprintf("%s paid %s %s to %s as %s (bank txn %s): allowed, but platform or guarantor money is repaying an investor.",
					r.roleText(payer), r.amt(B.Amount[i]), r.name(B.Currency[i]), r.roleText(payee), formats.KindName(kind), B.ID.String(i))
				r.emit(e)
			}
			return
		}
	}
	why := fmt.Sprintf("no rule allows %s from %s to %s", formats.KindName(kind), roleName(rp), roleName(rq))
	if len(rules) > 0 {
		why = fmt.Sprintf("the rule for %s from %s to %s requires that %s", formats.KindName(kind), roleName(rp), roleName(rq), conditionText[rules[0].when])
	}
	loanID := B.Loan[i]
	var flowKind, what string
	switch {
	case rq == noRole:
		flowKind, what = OutflowToUnregistered, "custody money left to an account the registry does not know"
	case rq == int(formats.RoleExternal) && r.reg.holder(payer) != r.reg.holder(payee):
		flowKind, what = OutflowToThirdParty, "custody money left to an external account of another holder"
	case fr.platform[rq]:
		flowKind, what = FundsToPlatform, "money moved into the platform's own accounts"
		if kind == formats.KindFee && rq == int(formats.RolePlatformFee) {
			what = fmt.Sprintf("a fee without a loan or over max_fee_rate %s of its base", fr.feeRate)
		}
	case kind == formats.KindRepayment && rq == int(formats.RoleInvestor) &&
		!(r.reg.isLoan(loanID) && r.reg.borrower(loanID) == payer) && !(rp != noRole && fr.guarantee[rp]):
		flowKind, what = RepaymentNotFromBorrower, "an investor was repaid by someone other than the loan's borrower: new money paying old"
		if r.reg.isLoan(loanID) {
			what += fmt.Sprintf(" (the borrower of %s is %s)", r.name(loanID), r.name(r.reg.borrower(loanID)))
		}
	case rp != noRole && fr.pooling[rp]:
		flowKind, what = PoolingTransfer, "user money moved to an account that is neither its owner's nor a borrower's under a loan"
	default:
		flowKind, what = UnexpectedFlow, "a movement the allowed-flow table does not provide for"
	}
	e := r.flowException(flowKind, i)
	e.Detail = fmt.Sprintf("%s paid %s %s to %s as %s (bank txn %s, %s): %s; %s.",
		r.roleText(payer), r.amt(B.Amount[i]), r.name(B.Currency[i]), r.roleText(payee), formats.KindName(kind),
		B.ID.String(i), r.where(B, i), why, what)
	r.emit(e)
}

func roleName(role int) string {
	if role == noRole {
		return "an unregistered account"
	}
	return formats.RoleName(uint8(role))
}

func (r *run) flowException(kind string, i int) formats.Exception {
	B := &r.p.Bank
	return formats.Exception{
		Kind: kind, BankID: r.name(B.Bank[i]), AccountID: r.name(B.Payer[i]), CounterpartyAccount: r.name(B.Payee[i]),
		LoanID: r.name(B.Loan[i]), BankTxnID: B.ID.String(i), BankAmount: formats.Amount(B.Amount[i]),
		Difference: formats.Amount(B.Amount[i]), Currency: r.name(B.Currency[i]),
	}
}
