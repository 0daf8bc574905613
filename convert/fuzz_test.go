package convert

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// fuzzMaxInput caps fuzz inputs: larger ones are skipped.
const fuzzMaxInput = 1 << 20

// checkConverted asserts what every conversion must give: either errors
// that are all *FileError, or one row per booked entry in files that a
// run accepts (Files validates each one as a run would).
func checkConverted(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, e := range errs {
			var fe *FileError
			if !errors.As(e, &fe) {
				t.Fatalf("error is not a *FileError: %T %v", e, e)
			}
		}
		return
	}
	rows := 0
	for _, d := range res.Days {
		rows += len(d.Transactions)
		if len(d.Transactions) == 0 && len(d.Balances) == 0 {
			t.Fatalf("empty day %s", d.Date)
		}
	}
	if rows != res.Entries {
		t.Fatalf("%d rows for %d entries", rows, res.Entries)
	}
	if _, err := res.Files(context.Background(), "fuzz", "test"); err != nil {
		t.Fatalf("files: %v", err)
	}
}

// fuzzSeedMax leaves the largest samples out of FuzzConvert's seeds: each
// execution encodes and checks every file, and mutations of small inputs
// are many times cheaper to run and to minimize (the statement package's
// fuzz targets take all samples).
const fuzzSeedMax = 8 << 10

// FuzzConvert converts arbitrary input as MT940 and as camt.053: the
// converter must never panic and never produce a file a run would reject.
func FuzzConvert(f *testing.F) {
	for _, pattern := range []string{"camt053/*.xml", "mt940/*.sta"} {
		paths, _ := filepath.Glob(filepath.Join(samplesDir, pattern))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(b) <= fuzzSeedMax {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(":20:A\n:25:X\n:28C:1\n:60F:C240101EUR10,00\n:61:2401020102RC1,00NTRFX//Y\n:86:/EREF/E/IBAN/DE1/REMI/t\n:62F:C240102EUR9,00\n"))
	f.Add([]byte(camtDoc(`<Id>C</Id><Acct><Id><IBAN>DE1</IBAN></Id></Acct>` + camtBal("OPBD", "1.00", "CRDT", "2024-01-02") +
		camtBal("CLBD", "2.00", "CRDT", "2024-01-03") +
		`<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>2024-01-02T23:30:00-05:00</DtTm></BookgDt></Ntry>`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than 1 MiB")
		}
		for _, format := range []Format{FormatMT940, FormatCamt053} {
			res, err := Convert(context.Background(), testOptions(format), []Input{{Name: "fuzz", Data: data}})
			checkConverted(t, res, err)
		}
	})
}

// FuzzCSV reads arbitrary input with the German-style mapping and with a
// plain one (signed amounts, account column, no balance).
func FuzzCSV(f *testing.F) {
	german, err := ParseMapping("german", []byte(germanMapping))
	if err != nil {
		f.Fatal(err)
	}
	plain, err := ParseMapping("plain", []byte("account_column=a\ndate=d\ndate_format=YYYY-MM-DD hh:mm\namount=x\ncurrency=c\nreference=r\ntext=t\ncounterparty=o\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(germanCSV))
	f.Add([]byte("a,d,x,c,r,t,o\nA1,2024-01-02 10:00,-5.00,EUR,R1,text,B\nA1,2024-01-02 10:01,5,EUR,R1,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input larger than 1 MiB")
		}
		for _, m := range []*Mapping{german, plain} {
			opt := testOptions(FormatCSV)
			opt.CSV = m
			res, err := Convert(context.Background(), opt, []Input{{Name: "fuzz.csv", Data: data}})
			checkConverted(t, res, err)
		}
	})
}

// TestCSVSmoke converts a fixed set of random mutations of the CSV seeds
// with the FuzzCSV checks: a short, deterministic stand-in for fuzzing
// that runs with every `go test`.
func TestCSVSmoke(t *testing.T) {
	german, err := ParseMapping("german", []byte(germanMapping))
	if err != nil {
		t.Fatal(err)
	}
	n := 150
	if testing.Short() {
		n = 20
	}
	r := rand.New(rand.NewPCG(3, 4))
	tokens := []string{";", "\n", "\"", ",", ".", "-", "S", "H", "EUR", "01.01.2024", "\xff", "9999999999999999999"}
	for k := 0; k < n; k++ {
		data := []byte(germanCSV)
		for m := 1 + r.IntN(3); m > 0; m-- {
			i := r.IntN(len(data))
			j := min(len(data), i+1+r.IntN(16))
			switch r.IntN(3) {
			case 0:
				data = append(data[:i:i], data[j:]...)
			case 1:
				data = append(data[:i:i], append([]byte(tokens[r.IntN(len(tokens))]), data[i:]...)...)
			default:
				data[i] = byte(r.IntN(256))
			}
		}
		opt := testOptions(FormatCSV)
		opt.CSV = german
		res, err := Convert(context.Background(), opt, []Input{{Name: "smoke.csv", Data: data}})
		checkConverted(t, res, err)
		if t.Failed() {
			t.Fatalf("input %q", data)
		}
	}
}
