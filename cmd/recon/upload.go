package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/recon-dev/recon/config"
	"github.com/recon-dev/recon/engine"
	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

// An upload writes each file it accepts to the key the store layout gives
// it, with its SHA-256 as object metadata (x-amz-meta-sha256 on S3), after
// checking it as a run would. Each file ends in one of these states; the
// command prints one line per file, starting with the state.
const (
	upUploaded  = "UPLOADED"  // written to a key that held nothing
	upReplaced  = "REPLACED"  // written over different content (--replace)
	upUnchanged = "UNCHANGED" // the key already holds the same bytes: nothing written
	upRefused   = "REFUSED"   // invalid, misnamed or in conflict: nothing written
)

// uploadItem is one local file and the key it goes to.
type uploadItem struct {
	name string // the file as the user knows it: a path, or a key under --from
	key  string // where it goes in the store ("" when refused before a key is known)
	loc  ingest.Location
	// open opens the local file; the caller closes it.
	open func() (io.ReaderAt, int64, io.Closer, error)
	// refused is why the item is refused before its content is read.
	refused string
	// guess: the table is read from the file's columns (no --table).
	guess bool
}

// where names the file and its key: "FILE -> KEY", or the key alone when
// the file is known by it (--from).
func (it *uploadItem) where() string {
	if it.name == it.key {
		return it.key
	}
	return it.name + " -> " + it.key
}

// uploadStats counts the files of an upload by the state they ended in.
type uploadStats struct {
	uploaded, replaced, unchanged, refused int
	keys                                   map[string]bool // the keys of the files so far
}

func cmdUpload(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("upload", &c)
	root := fs.String("root", "", "store root: s3://BUCKET/PREFIX, a directory or file://DIR")
	bank := fs.String("bank", "", "your bank id, as in the keys (bank=B)")
	platform := fs.String("platform", "", "the platform whose custody account the files are about (platform=P)")
	date := fs.String("date", "", "business date YYYY-MM-DD of the files")
	table := fs.String("table", "", "custody_transactions or custody_balances (default: told by the files' columns)")
	replace := fs.Bool("replace", false, "overwrite an object of the same name whose content differs")
	from := fs.String("from", "", "mirror mode: upload every input object of this local store directory under the same key")
	cfgPath := fs.String("config", "", "YAML configuration file (amount_scale and limits the files are checked with)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := c.logger(stderr); err != nil {
		return err
	}
	if *root == "" {
		return usagef("upload: --root is required")
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usagef("%v", err)
	}
	var items []uploadItem
	if *from != "" {
		if *bank != "" || *platform != "" || *date != "" || *table != "" || fs.NArg() > 0 {
			return usagef("upload: --from takes its keys from the directory: no --bank, --platform, --date, --table or files with it")
		}
		if items, err = mirrorItems(ctx, *from); err != nil {
			return err
		}
	} else {
		if items, err = bankItems(fs.Args(), *bank, *platform, *date, *table); err != nil {
			return err
		}
	}
	st, err := store.OpenURL(ctx, *root, os.Getenv)
	if err != nil {
		return err
	}
	var n uploadStats
	for i := range items {
		if err := uploadOne(ctx, st, &items[i], cfg, *replace, stdout, &n); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d uploaded, %d replaced, %d unchanged, %d refused, of %s, under %s\n",
		n.uploaded, n.replaced, n.unchanged, n.refused, files(len(items)), st.String())
	if n.refused > 0 {
		return fmt.Errorf("upload: %d of %s refused; nothing was written for them", n.refused, files(len(items)))
	}
	return nil
}

// bankItems are a custodian bank's files: each goes to
// custody/{transactions,balances}/date=D/bank=B/platform=P/<its base name>.
func bankItems(names []string, bank, platform, date, table string) ([]uploadItem, error) {
	if bank == "" || platform == "" || date == "" {
		return nil, usagef("upload: --bank, --platform and --date are required (or --from DIR)")
	}
	if len(names) == 0 {
		return nil, usagef("upload: name at least one file")
	}
	if err := checkID("--bank", bank); err != nil {
		return nil, err
	}
	if err := checkID("--platform", platform); err != nil {
		return nil, err
	}
	if _, err := engine.ParseDate(date); err != nil {
		return nil, usagef("upload: --date: %v", err)
	}
	loc := ingest.Location{Date: date, BankID: bank, PlatformID: platform}
	guess := table == ""
	if !guess {
		t, ok := tableNamed(table)
		if !ok || !custodyTable(t) {
			return nil, usagef("upload: --table %q: a bank uploads %s or %s", table, formats.CustodyTransactions, formats.CustodyBalances)
		}
		loc.Table = t
	}
	var items []uploadItem
	for _, f := range names {
		items = append(items, uploadItem{name: f, loc: loc, guess: guess, open: openLocalFile(f), refused: checkFileName(filepath.Base(f))})
	}
	return items, nil
}

// mirrorItems lists every input object of a local store directory, to go
// under the same key. Objects that are not inputs (runs/, quarantine/,
// expected/, hidden and marker files) are skipped; input objects whose key
// does not follow the layout are refused.
func mirrorItems(ctx context.Context, dir string) ([]uploadItem, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("upload --from: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("upload --from: %s is not a directory", dir)
	}
	src, err := store.NewLocal(dir)
	if err != nil {
		return nil, fmt.Errorf("upload --from: %w", err)
	}
	objs, err := src.List(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("upload --from: %w", err)
	}
	var items []uploadItem
	for _, o := range objs {
		loc, ok := ingest.Locate(o.Key)
		if !ok || !strings.HasPrefix(o.Key, tablePrefix(loc.Table)) {
			continue // not an input: runs/, quarantine/, expected/, ...
		}
		base := path.Base(o.Key)
		if strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
			continue // markers and hidden files, which runs ignore too
		}
		key := o.Key
		it := uploadItem{name: key, key: key, loc: loc, open: func() (io.ReaderAt, int64, io.Closer, error) {
			obj, err := src.Open(ctx, key)
			if err != nil {
				return nil, 0, nil, err
			}
			return obj, obj.SizeBytes(), obj, nil
		}}
		it.refused = checkMirrorKey(key, loc)
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("upload --from: no input objects under %s (want custody/, ledger/ or registry/ keys)", dir)
	}
	return items, nil
}

// tablePrefix is the first two segments of a table's keys.
func tablePrefix(t formats.Table) string {
	k := ingest.Key(t, "D", "B", "P", "f")
	i := strings.Index(k, "/")
	j := strings.Index(k[i+1:], "/")
	return k[:i+1+j+1]
}

// checkMirrorKey says why an input key found under --from cannot be
// uploaded as it is, or "".
func checkMirrorKey(key string, loc ingest.Location) string {
	layout := strings.TrimSuffix(ingest.Key(loc.Table, "D", "B", "P", "FILE"), "FILE") + "<file>"
	if ingest.Key(loc.Table, loc.Date, loc.BankID, loc.PlatformID, path.Base(key)) != key {
		return fmt.Sprintf("key does not follow the layout %s", layout)
	}
	if loc.Table != formats.Accounts && loc.Table != formats.Loans {
		if _, err := engine.ParseDate(loc.Date); err != nil {
			return fmt.Sprintf("key does not follow the layout %s: %v", layout, err)
		}
	}
	ids := [][2]string{{"platform", loc.PlatformID}}
	if custodyTable(loc.Table) {
		ids = append(ids, [2]string{"bank", loc.BankID})
	}
	for _, id := range ids {
		if err := checkID(id[0], id[1]); err != nil {
			return fmt.Sprintf("key does not follow the layout %s: %v", layout, strings.TrimPrefix(err.Error(), "upload: "))
		}
	}
	return checkFileName(path.Base(key))
}

func custodyTable(t formats.Table) bool {
	return t == formats.CustodyTransactions || t == formats.CustodyBalances
}

// checkID checks a bank or platform id: it becomes a key segment and a
// part of the IAM policies' resource patterns.
func checkID(what, id string) error {
	if id == "" {
		return usagef("upload: %s must not be empty", what)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return usagef("upload: %s %q: ids are letters, digits, '-' and '_'", what, id)
		}
	}
	return nil
}

// checkFileName says why a file's base name cannot be an object name, or "".
func checkFileName(base string) string {
	switch {
	case formats.FormatOfKey(base) == formats.FormatUnknown:
		return fmt.Sprintf("file name %q must end in .parquet or .arrow", base)
	case strings.HasPrefix(base, "_") || strings.HasPrefix(base, "."):
		return fmt.Sprintf("file name %q starts with %q: runs ignore such objects", base, base[:1])
	case strings.Contains(base, "="):
		return fmt.Sprintf("file name %q must not contain '=' (keys use it for date=, bank=, platform=)", base)
	case store.CheckKey(base) != nil || strings.ContainsAny(base, "\x00\r\n"):
		return fmt.Sprintf("file name %q cannot be an object name", base)
	}
	return ""
}

func openLocalFile(name string) func() (io.ReaderAt, int64, io.Closer, error) {
	return func() (io.ReaderAt, int64, io.Closer, error) {
		f, err := os.Open(name)
		if err != nil {
			return nil, 0, nil, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, nil, err
		}
		if !fi.Mode().IsRegular() {
			f.Close()
			return nil, 0, nil, fmt.Errorf("%s is not a regular file", name)
		}
		return f, fi.Size(), f, nil
	}
}

// uploadOne checks one file and writes it unless it is refused or already
// there. It returns an error only when the upload cannot go on (the file
// or the store cannot be read or written); a refused file is counted and
// printed.
func uploadOne(ctx context.Context, st store.Store, it *uploadItem, cfg config.Config, replace bool, stdout io.Writer, n *uploadStats) error {
	refuse := func(reason string) {
		n.refused++
		fmt.Fprintf(stdout, "%s %s\n  %s\n", upRefused, it.name, strings.ReplaceAll(reason, "\n", "\n  "))
	}
	if it.refused != "" {
		refuse(it.refused)
		return nil
	}
	r, size, closer, err := it.open()
	if err != nil {
		return fmt.Errorf("upload %s: %w", it.name, err)
	}
	defer closer.Close()
	if it.guess {
		t, err := guessTable(it.name, r, size)
		if err != nil {
			if ingest.IsInputError(err) {
				refuse(err.Error())
				return nil
			}
			return fmt.Errorf("upload %s: %w", it.name, err)
		}
		if !custodyTable(t) {
			refuse(fmt.Sprintf("its columns are those of %s; a bank uploads %s or %s only", t, formats.CustodyTransactions, formats.CustodyBalances))
			return nil
		}
		it.loc.Table = t
	}
	if it.key == "" {
		it.key = ingest.Key(it.loc.Table, it.loc.Date, it.loc.BankID, it.loc.PlatformID, filepath.Base(it.name))
		if n.seen(it.key) {
			refuse(fmt.Sprintf("another file of this upload goes to %s too (the object name is the file's base name)", it.key))
			return nil
		}
	}
	rows, err := ingest.Validate(ctx, it.name, r, size, it.loc, readOptions(cfg))
	if err != nil {
		if ingest.IsInputError(err) {
			refuse(err.Error())
			return nil
		}
		return fmt.Errorf("upload %s: %w", it.name, err)
	}
	sum, err := store.SHA256(ctx, r, size)
	if err != nil {
		return fmt.Errorf("upload %s: %w", it.name, err)
	}
	state := upUploaded
	old, err := store.ContentSHA256(ctx, st, it.key)
	switch {
	case errors.Is(err, store.ErrNotExist):
	case err != nil:
		return fmt.Errorf("upload %s: check %s: %w", it.name, it.key, err)
	case old == sum:
		n.unchanged++
		fmt.Fprintf(stdout, "%s %s (%s, identical content already there: sha256 %s; nothing written)\n", upUnchanged, it.where(), it.loc.Table, sum)
		return nil
	case !replace:
		refuse(fmt.Sprintf("%s already holds different content (sha256 %s; this file's is %s); pass --replace to overwrite it", it.key, old, sum))
		return nil
	default:
		state = upReplaced
	}
	if err := st.Put(ctx, it.key, io.NewSectionReader(r, 0, size), size, store.PutOptions{SHA256: sum}); err != nil {
		return fmt.Errorf("upload %s: %w", it.name, err)
	}
	detail := fmt.Sprintf("%s, %d rows, %d bytes, sha256 %s", it.loc.Table, rows, size, sum)
	if state == upReplaced {
		n.replaced++
		detail += "; replaced sha256 " + old
	} else {
		n.uploaded++
	}
	fmt.Fprintf(stdout, "%s %s (%s)\n", state, it.where(), detail)
	return nil
}

// seen records the keys of an upload's files; it reports whether key was
// seen before.
func (n *uploadStats) seen(key string) bool {
	if n.keys == nil {
		n.keys = map[string]bool{}
	}
	if n.keys[key] {
		return true
	}
	n.keys[key] = true
	return false
}

func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
