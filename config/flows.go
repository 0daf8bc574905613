package config

import (
	"errors"
	"fmt"
	"slices"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

// Flows are the allowed-flow rules: which successful custody movements
// between which roles are allowed, and on what condition. Anything the
// table does not allow is an exception of the kind the contract's
// precise rules name.
type Flows struct {
	// Allowed lists the allowed (payer role, payee role, kind) triples.
	Allowed []FlowRule `yaml:"allowed" json:"allowed"`
	// UserRoles hold users' money: their balances are reconciled and
	// summed into the platform's custody totals.
	UserRoles []string `yaml:"user_roles,flow" json:"user_roles"`
	// PoolingRoles are the accounts out of which a disallowed flow is
	// POOLING_TRANSFER: user accounts and the custody master account.
	PoolingRoles []string `yaml:"pooling_roles,flow" json:"pooling_roles"`
	// PlatformRoles are the platform's own accounts: a disallowed flow
	// into one is FUNDS_TO_PLATFORM.
	PlatformRoles []string `yaml:"platform_roles,flow" json:"platform_roles"`
	// GuaranteeRoles may repay investors in a borrower's stead.
	GuaranteeRoles []string `yaml:"guarantee_roles,flow" json:"guarantee_roles"`
}

// FlowRule allows movements of the given kinds from accounts of the payer
// roles to accounts of the payee roles when the condition holds.
type FlowRule struct {
	Payer []string `yaml:"payer,flow" json:"payer"`
	Payee []string `yaml:"payee,flow" json:"payee"`
	Kinds []string `yaml:"kinds,flow" json:"kinds"`
	// When is the condition: always; same_holder (payer and payee belong
	// to one holder); loan_named (the movement names a registered loan);
	// loan_borrower_payee (a registered loan is named and the payee is its
	// borrower); loan_borrower_payer (likewise, the payer is its
	// borrower); fee_within_cap (a named loan, and the fee is at most
	// max_fee_rate of the payer's bids, disbursements and repayments on
	// it that day; for the kind fee only).
	When string `yaml:"when" json:"when"`
	// Report, when set, is an exception kind reported for every allowed
	// movement under this rule (GUARANTEE_PAYMENT: allowed but telling).
	Report string `yaml:"report,omitempty" json:"report,omitempty"`
}

// Conditions of FlowRule.When.
const (
	WhenAlways            = "always"
	WhenSameHolder        = "same_holder"
	WhenLoanNamed         = "loan_named"
	WhenLoanBorrowerPayee = "loan_borrower_payee"
	WhenLoanBorrowerPayer = "loan_borrower_payer"
	WhenFeeWithinCap      = "fee_within_cap"
)

var conditions = []string{WhenAlways, WhenSameHolder, WhenLoanNamed, WhenLoanBorrowerPayee, WhenLoanBorrowerPayer, WhenFeeWithinCap}

// DefaultFlows returns the allowed-flow table of the contract.
func DefaultFlows() Flows {
	return Flows{
		Allowed: []FlowRule{
			{Payer: []string{"external"}, Payee: []string{"investor", "borrower"}, Kinds: []string{"deposit"}, When: WhenSameHolder},
			{Payer: []string{"investor"}, Payee: []string{"borrower"}, Kinds: []string{"bid", "disbursement"}, When: WhenLoanBorrowerPayee},
			{Payer: []string{"borrower"}, Payee: []string{"investor"}, Kinds: []string{"repayment"}, When: WhenLoanBorrowerPayer},
			{Payer: []string{"investor"}, Payee: []string{"investor"}, Kinds: []string{"transfer"}, When: WhenLoanNamed},
			{Payer: []string{"investor", "borrower"}, Payee: []string{"external"}, Kinds: []string{"withdrawal"}, When: WhenSameHolder},
			{Payer: []string{"investor", "borrower"}, Payee: []string{"platform_fee"}, Kinds: []string{"fee"}, When: WhenFeeWithinCap},
			{Payer: []string{"platform_own", "guarantor"}, Payee: []string{"investor"}, Kinds: []string{"refund", "repayment"}, When: WhenAlways, Report: "GUARANTEE_PAYMENT"},
		},
		UserRoles:      []string{"investor", "borrower"},
		PoolingRoles:   []string{"investor", "borrower", "custody_master"},
		PlatformRoles:  []string{"platform_own", "platform_fee"},
		GuaranteeRoles: []string{"platform_own", "guarantor"},
	}
}

// Verdict sets the thresholds of the supervisors' monthly lists: a
// platform is black-listed, grey-listed, or on the red (clean) list.
type Verdict struct {
	// BlackCritical: this many critical exceptions or more: black.
	BlackCritical int `yaml:"black_critical" json:"black_critical"`
	// BlackAmountAtRisk: an amount at risk (sum of the critical and high
	// exceptions' amounts, in any one currency) of this much or more:
	// black. Empty: not used.
	BlackAmountAtRisk string `yaml:"black_amount_at_risk" json:"black_amount_at_risk"`
	// GreyHigh: this many high exceptions or more (and not black): grey.
	GreyHigh int `yaml:"grey_high" json:"grey_high"`
}

// DefaultVerdict: any critical exception is black, any high one grey.
func DefaultVerdict() Verdict { return Verdict{BlackCritical: 1, GreyHigh: 1} }

func validateFlows(f Flows, scale int) error {
	var errs []error
	roleOK := func(where string, roles []string) {
		if len(roles) == 0 {
			errs = append(errs, fmt.Errorf("flows: %s: no roles", where))
		}
		for _, r := range roles {
			if _, ok := formats.RoleCode(r); !ok {
				errs = append(errs, fmt.Errorf("flows: %s: unknown role %q", where, r))
			}
		}
	}
	for i, r := range f.Allowed {
		where := fmt.Sprintf("allowed[%d]", i)
		roleOK(where+".payer", r.Payer)
		roleOK(where+".payee", r.Payee)
		if len(r.Kinds) == 0 {
			errs = append(errs, fmt.Errorf("flows: %s.kinds: no kinds", where))
		}
		for _, k := range r.Kinds {
			if _, ok := formats.KindCode(k); !ok {
				errs = append(errs, fmt.Errorf("flows: %s.kinds: unknown kind %q", where, k))
			}
		}
		if !slices.Contains(conditions, r.When) {
			errs = append(errs, fmt.Errorf("flows: %s.when: %q is not one of %v", where, r.When, conditions))
		}
		// The cap's base is summed for the fees that name a loan, and a
		// fee is checked once the day's base is whole: another kind would
		// find no base, or part of one.
		if r.When == WhenFeeWithinCap {
			for _, k := range r.Kinds {
				if k != "fee" {
					errs = append(errs, fmt.Errorf("flows: %s.when: %s applies to fees only, not to kind %q", where, WhenFeeWithinCap, k))
				}
			}
		}
		if r.Report != "" && r.Report != "GUARANTEE_PAYMENT" {
			errs = append(errs, fmt.Errorf("flows: %s.report: only GUARANTEE_PAYMENT may be reported for an allowed flow", where))
		}
	}
	roleOK("user_roles", f.UserRoles)
	roleOK("pooling_roles", f.PoolingRoles)
	roleOK("platform_roles", f.PlatformRoles)
	roleOK("guarantee_roles", f.GuaranteeRoles)
	return errors.Join(errs...)
}

func validateVerdict(v Verdict, scale int) error {
	var errs []error
	if v.BlackCritical < 1 || v.GreyHigh < 1 {
		errs = append(errs, fmt.Errorf("verdict: black_critical and grey_high must be at least 1"))
	}
	if v.BlackAmountAtRisk != "" {
		if a, err := money.Parse(v.BlackAmountAtRisk, scale); err != nil || a <= 0 {
			errs = append(errs, fmt.Errorf("verdict: black_amount_at_risk %q is not a positive amount", v.BlackAmountAtRisk))
		}
	}
	return errors.Join(errs...)
}

// BlackAmountAtRiskMinor returns the threshold in minor units, or 0 when
// unset.
func (v Verdict) BlackAmountAtRiskMinor(scale int) int64 {
	if v.BlackAmountAtRisk == "" {
		return 0
	}
	a, _ := money.Parse(v.BlackAmountAtRisk, scale)
	return a
}
