package reconcile

import "unsafe"

// noRole marks a name that is not a registered account.
const noRole = -1

// registry indexes the platform's account and loan registry by name id.
type registry struct {
	at []regEntry // by name id
	// insiderLoans are the loans whose borrower's holder is an insider,
	// one bit a name: a pass over every bid and disbursement asks, and
	// the set stays in cache where at does not.
	insiderLoans bitset
}

// regEntry is what the registry says of one name: as an account, its
// role, holder and whether the holder is an insider; as a loan, whether it
// is one and its borrower. One entry a name, not an array a field: the
// flow rules look several fields of one account up at a time, and on a
// platform of a million accounts each lookup is a cache miss.
type regEntry struct {
	holder   uint32 // holder name id
	borrower uint32 // the loan's borrower account, 0 if no such loan
	role     int8   // formats.Role*, or noRole
	related  bool   // holder is an insider
	isLoan   bool
}

// newRegistry indexes the registry. Where an account or loan appears more
// than once, the last row read wins (files are read in key order).
func newRegistry(p *Platform) registry {
	g := registry{at: make([]regEntry, p.Names.Len())}
	for i := range g.at {
		g.at[i].role = noRole
	}
	a := &p.Acc
	for i := range a.N {
		e := &g.at[a.Account[i]]
		e.role, e.holder, e.related = int8(a.Role[i]), a.Holder[i], a.Related[i]
	}
	for i := range p.Loans.N {
		e := &g.at[p.Loans.Loan[i]]
		e.borrower, e.isLoan = p.Loans.Borrower[i], true
	}
	g.insiderLoans = newBitset(len(g.at))
	for i := range p.Loans.N {
		if l := p.Loans.Loan[i]; g.related(g.borrower(l)) {
			g.insiderLoans.set(l)
		}
	}
	return g
}

// insiderLoan reports whether a name id is a registered loan whose
// borrower's holder is an insider.
func (g *registry) insiderLoan(id uint32) bool { return g.insiderLoans.has(id) }

// roleOf returns the registered role of an account name id, or noRole.
func (g *registry) roleOf(id uint32) int { return int(g.at[id].role) }

// prefetch starts fetching the entries of the given name ids.
func (g *registry) prefetch(ids ...uint32) {
	for _, id := range ids {
		prefetch(unsafe.Pointer(&g.at[id]))
	}
}

// holder returns the holder of an account name id, 0 if unregistered.
func (g *registry) holder(id uint32) uint32 { return g.at[id].holder }

// related reports whether an account's holder is an insider.
func (g *registry) related(id uint32) bool { return g.at[id].related }

// isLoan reports whether a name id is a registered loan.
func (g *registry) isLoan(id uint32) bool { return g.at[id].isLoan }

// borrower returns a loan's borrower account, 0 if no such loan.
func (g *registry) borrower(id uint32) uint32 { return g.at[id].borrower }
