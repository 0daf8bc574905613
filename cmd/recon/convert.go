package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/convert"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/statement"
	"github.com/recon-dev/recon/store"
)

// Report line prefixes of `recon convert` (stdout), besides the NOTE and
// WARNING lines of convert.Note.
const (
	cvRead      = "READ"      // an input and what it holds
	cvError     = "ERROR"     // an input that cannot be converted
	cvWrote     = "WROTE"     // an object written to a key that held nothing
	cvReplaced  = "REPLACED"  // written over different content (--replace)
	cvUnchanged = "UNCHANGED" // the key already holds the same bytes
	cvRefused   = "REFUSED"   // the key holds different content: nothing written
	cvDryRun    = "WOULD WRITE"
)

// errConvert is a conversion that wrote nothing (or, for refused keys,
// nothing at all): exit status 1.
var errConvert = errors.New("convert")

func cmdConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("convert", &c)
	from := fs.String("from", "", "input format: camt053, mt940 or csv")
	bank := fs.String("bank", "", "your bank id (bank=B in the keys, bank_id in the rows)")
	platform := fs.String("platform", "", "the platform whose custody accounts the statements are (platform=P)")
	out := fs.String("out", "", "store root to write to: a directory, file://DIR or s3://BUCKET/PREFIX")
	accountMap := fs.String("account-map", "", "CSV statement_id,account_id: statement and counterparty account ids to registry ids")
	kindMap := fs.String("kind-map", "", "CSV bank_code,kind[,credit|debit]: bank transaction codes to kinds (default: credit deposit, debit withdrawal)")
	mapping := fs.String("mapping", "", "column mapping of --from csv (key = value lines; see the README)")
	cfgPath := fs.String("config", "", "YAML configuration file (amount_scale, business_timezone, limits)")
	name := fs.String("name", "", "object name of the written files (default: the first input's name)")
	strict := fs.Bool("strict", false, "write nothing and exit 1 when any WARNING is reported")
	replace := fs.Bool("replace", false, "overwrite objects of the same name whose content differs")
	dryRun := fs.Bool("dry-run", false, "convert and check, print what would be written, write nothing")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if _, err := c.logger(stderr); err != nil {
		return err
	}
	format, err := convert.ParseFormat(*from)
	if *from == "" || err != nil {
		return usagef("convert: --from camt053, mt940 or csv is required")
	}
	switch {
	case *bank == "" || *platform == "":
		return usagef("convert: --bank and --platform are required")
	case *out == "" && !*dryRun:
		return usagef("convert: --out is required (or --dry-run)")
	case len(files) == 0:
		return usagef("convert: name at least one statement file")
	case format == convert.FormatCSV && *mapping == "":
		return usagef("convert: --from csv needs --mapping FILE")
	case format != convert.FormatCSV && *mapping != "":
		return usagef("convert: --mapping is for --from csv")
	}
	for _, id := range [][2]string{{"bank", *bank}, {"platform", *platform}} {
		if err := convert.CheckID(id[0], id[1]); err != nil {
			return usagef("convert: --%s: %v", id[0], err)
		}
	}
	if *name == "" {
		*name = convert.DefaultName(files)
	} else if err := convert.CheckName(strings.TrimSuffix(*name, ".parquet")); err != nil {
		return usagef("convert: --name: %v", err)
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usagef("%v", err)
	}
	opt := convert.Options{Format: format, BankID: *bank, PlatformID: *platform, Scale: cfg.AmountScale,
		Location: cfg.Location(), Limits: cfg.FormatLimits()}
	if *accountMap != "" {
		if opt.Accounts, err = readMap(*accountMap, convert.ParseAccountMap); err != nil {
			return err
		}
	}
	if *kindMap != "" {
		if opt.Kinds, err = readMap(*kindMap, convert.ParseKindMap); err != nil {
			return err
		}
	}
	if *mapping != "" {
		if opt.CSV, err = readMap(*mapping, convert.ParseMapping); err != nil {
			return err
		}
	}
	inputs, err := readInputs(files)
	if err != nil {
		return err
	}
	res, err := convert.Convert(ctx, opt, inputs)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		var n int
		for _, e := range unjoin(err) {
			n++
			fmt.Fprintf(stdout, "%s %v\n", cvError, e)
		}
		return fmt.Errorf("%w: %d of %s could not be converted; nothing was written", errConvert, n, countOf(len(files), "file"))
	}
	for _, in := range res.Inputs {
		fmt.Fprintf(stdout, "%s %s\n", cvRead, in)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stdout, n.String())
	}
	objs, err := res.Files(ctx, *name, engine.Version)
	if err != nil {
		return err
	}
	warnings := res.Warnings()
	var dates []string
	for _, d := range res.Days {
		dates = append(dates, d.Date)
	}
	summary := fmt.Sprintf("%s, %s (%d skipped) into %s for %s",
		countOf(res.Statements, "statement"), countOf(res.Entries, "entry"), res.Skipped,
		countOf(len(objs), "file"), countOf(len(dates), "business date"))
	if len(dates) > 0 {
		summary += " (" + dateRange(dates) + ")"
	}
	if *strict && warnings > 0 {
		fmt.Fprintf(stdout, "converted %s; %s\n", summary, countOf(warnings, "warning"))
		return fmt.Errorf("%w: --strict: %s; nothing was written", errConvert, countOf(warnings, "warning"))
	}
	if *dryRun {
		for _, f := range objs {
			fmt.Fprintf(stdout, "%s %s (%s, %d rows, %d bytes)\n", cvDryRun, f.Key, f.Table, f.Rows, len(f.Data))
		}
		fmt.Fprintf(stdout, "converted %s; %s; --dry-run: nothing written\n", summary, countOf(warnings, "warning"))
		return nil
	}
	st, err := store.OpenURL(ctx, *out, os.Getenv)
	if err != nil {
		return err
	}
	n, err := writeConverted(ctx, st, objs, *replace, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "converted %s under %s: %d written, %d replaced, %d unchanged, %d refused; %s\n",
		summary, st.String(), n.written, n.replaced, n.unchanged, n.refused, countOf(warnings, "warning"))
	if n.refused > 0 {
		return fmt.Errorf("%w: %d of %s refused; nothing was written", errConvert, n.refused, countOf(len(objs), "file"))
	}
	return nil
}

// parseInterspersed parses flags that may come after the file arguments
// ("recon convert --from mt940 a.sta b.sta --out DIR") and returns the
// files. Everything after "--" is a file.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// readMap reads and parses a mapping file given with a flag.
func readMap[T any](path string, parse func(string, []byte) (T, error)) (T, error) {
	var zero T
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("convert: %w", err)
	}
	v, err := parse(path, data)
	if err != nil {
		return zero, usagef("convert: %v", err)
	}
	return v, nil
}

// readInputs reads the statement files, refusing any larger than the
// parsers accept.
func readInputs(names []string) ([]convert.Input, error) {
	var out []convert.Input
	for _, n := range names {
		fi, err := os.Stat(n)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("convert: %s is not a regular file", n)
		}
		if fi.Size() > statement.MaxInputBytes {
			return nil, fmt.Errorf("convert: %s: %d bytes is larger than the %d a statement may have", n, fi.Size(), statement.MaxInputBytes)
		}
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		out = append(out, convert.Input{Name: n, Data: data})
	}
	return out, nil
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func countOf(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case word == "entry":
		return fmt.Sprintf("%d entries", n)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// dateRange is "D" or "D1 .. Dn" for sorted dates.
func dateRange(dates []string) string {
	if len(dates) == 1 {
		return dates[0]
	}
	return dates[0] + " .. " + dates[len(dates)-1]
}

// convertStats counts the objects of a conversion by what happened.
type convertStats struct{ written, replaced, unchanged, refused int }

// writeConverted writes the files, all or nothing: every key is checked
// first, and when one holds different content (without --replace)
// nothing is written.
func writeConverted(ctx context.Context, st store.Store, objs []convert.File, replace bool, stdout io.Writer) (convertStats, error) {
	var n convertStats
	sums := make([]string, len(objs))
	olds := make([]string, len(objs))
	for i, f := range objs {
		h := sha256.Sum256(f.Data)
		sums[i] = hex.EncodeToString(h[:])
		old, err := store.ContentSHA256(ctx, st, f.Key)
		switch {
		case errors.Is(err, store.ErrNotExist):
		case err != nil:
			return n, fmt.Errorf("convert: check %s: %w", f.Key, err)
		case old != sums[i] && !replace:
			n.refused++
			fmt.Fprintf(stdout, "%s %s\n  it already holds different content (sha256 %s; this file's is %s); pass --replace to overwrite it\n",
				cvRefused, f.Key, old, sums[i])
		}
		olds[i] = old
	}
	if n.refused > 0 {
		return n, nil
	}
	for i, f := range objs {
		detail := fmt.Sprintf("%s, %d rows, %d bytes, sha256 %s", f.Table, f.Rows, len(f.Data), sums[i])
		if olds[i] == sums[i] {
			n.unchanged++
			fmt.Fprintf(stdout, "%s %s (%s; identical content already there, nothing written)\n", cvUnchanged, f.Key, detail)
			continue
		}
		if err := st.Put(ctx, f.Key, bytes.NewReader(f.Data), int64(len(f.Data)), store.PutOptions{SHA256: sums[i]}); err != nil {
			return n, fmt.Errorf("convert: %w", err)
		}
		if olds[i] != "" {
			n.replaced++
			fmt.Fprintf(stdout, "%s %s (%s; replaced sha256 %s)\n", cvReplaced, f.Key, detail, olds[i])
			continue
		}
		n.written++
		fmt.Fprintf(stdout, "%s %s (%s)\n", cvWrote, f.Key, detail)
	}
	return n, nil
}
