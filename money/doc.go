// Package money holds amounts exactly, as int64 counts of minor units at an
// explicit decimal scale (scale 2: 12345 means 123.45). It never uses floats.
//
// Every operation that could overflow says so with an error; nothing rounds.
// Text is parsed and printed through shopspring/decimal at the edges only.
//
//	a, err := money.Parse("123.45", 2) // 12345
//	s := money.Format(a, 2)            // "123.45"
//	sum, err := money.Add(a, a)        // 24690, or ErrOverflow
package money
