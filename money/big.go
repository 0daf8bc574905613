package money

import (
	"math/big"

	"github.com/shopspring/decimal"
)

func decimalFromBig(v *big.Int, scale int) decimal.Decimal {
	return decimal.NewFromBigInt(v, int32(-scale))
}
