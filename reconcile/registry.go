package reconcile

// noRole marks a name that is not a registered account.
const noRole = -1

// registry indexes the platform's account and loan registry by name id.
type registry struct {
	role     []int8   // formats.Role*, or noRole
	holder   []uint32 // holder name id
	related  []bool   // holder is an insider
	borrower []uint32 // by loan name id: the loan's borrower account, 0 if no such loan
	isLoan   []bool
}

// newRegistry indexes the registry. Where an account or loan appears more
// than once, the last row read wins (files are read in key order).
func newRegistry(p *Platform) registry {
	n := p.Names.Len()
	g := registry{
		role:     make([]int8, n),
		holder:   make([]uint32, n),
		related:  make([]bool, n),
		borrower: make([]uint32, n),
		isLoan:   make([]bool, n),
	}
	for i := range g.role {
		g.role[i] = noRole
	}
	a := &p.Acc
	for i := range a.N {
		id := a.Account[i]
		g.role[id] = int8(a.Role[i])
		g.holder[id] = a.Holder[i]
		g.related[id] = a.Related[i]
	}
	for i := range p.Loans.N {
		g.borrower[p.Loans.Loan[i]] = p.Loans.Borrower[i]
		g.isLoan[p.Loans.Loan[i]] = true
	}
	return g
}

// roleOf returns the registered role of an account name id, or noRole.
func (g *registry) roleOf(id uint32) int { return int(g.role[id]) }
