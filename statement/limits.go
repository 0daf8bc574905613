package statement

// Limits bound the resources a single parse can use. Exceeding any of them is
// an ErrLimit error; nothing is ever silently truncated. They are constants
// (not options) so that every caller gets the same protection.
const (
	// MaxInputBytes is the largest input accepted (256 MiB). Real daily
	// statements are a few MiB at most; a bigger upload is refused rather
	// than buffered.
	MaxInputBytes = 256 << 20

	// MaxStatements is the largest number of statements in one input. MT940
	// files carrying a month of daily pages for many accounts stay far below.
	MaxStatements = 100_000

	// MaxEntriesPerStatement bounds the entries (booked or skipped) of one
	// statement, so that a single hostile statement cannot grow without
	// bound.
	MaxEntriesPerStatement = 1_000_000

	// MaxLineBytes is the longest MT940 line accepted (SWIFT allows 65
	// characters per line; banks exporting outside SWIFT often exceed that,
	// so we allow much more but not an unbounded line).
	MaxLineBytes = 64 << 10

	// MaxFieldBytes bounds one MT940 field including its continuation lines
	// (":86:" is at most 6*65 characters in SWIFT) and the text kept from one
	// camt element (camt texts are at most 500 characters in the schema).
	MaxFieldBytes = 64 << 10

	// MaxXMLDepth is the deepest element nesting accepted in camt.053.
	// The deepest path in the schema is about 15 levels; anything much deeper
	// is not a bank statement.
	MaxXMLDepth = 64

	// MaxAmountDigits is the longest amount text accepted, digits and
	// separator included (the schemas allow 18 digits for camt and 15
	// characters for MT940; leading zeros beyond that are refused).
	MaxAmountDigits = 40

	// MaxScale is the largest Options.Scale: 10^18 is the largest power of
	// ten an int64 holds.
	MaxScale = 18

	// ctxCheckEvery is how many lines or XML tokens are processed between
	// two checks of the context.
	ctxCheckEvery = 1024
)
