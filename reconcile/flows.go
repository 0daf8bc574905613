package reconcile

// FlowRules are the allowed-flow rules of the contract.
type FlowRules struct{}

// flows checks successful custody transactions against the rules.
func (r *run) flows() {}
