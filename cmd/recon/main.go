// Command recon is the custody reconciliation engine: the nightly job that
// reconciles custodian banks' statements with platforms' ledgers and checks
// every custody flow. See the README and SPEC for the contract.
//
// Exit status: 0 done (exceptions may exist), 1 the run failed and nothing
// was committed, 2 usage error, 3 done but --fail-on found exceptions of
// that severity or worse.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // business_timezone must resolve on machines without zoneinfo
)

// Exit codes of the contract.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitFailOn  = 3
	usageHeader = `recon: custody fund-flow reconciliation

usage:
  recon demo     [--dir DIR] [--workers N]
  recon run      --root URL --date D [--config FILE] [--workers N] [--memory-limit SIZE] [--fail-on SEVERITY] [--print-config]
  recon gen      --root URL --date D [--platforms N] [--investors N] [--transactions N] [--seed S] [--scenario NAME,...]
  recon validate [--table NAME] [--strict] FILE|URL ...
  recon upload   --root URL --bank B --platform P --date D [--table T] [--replace] FILE...
  recon upload   --root URL --from DIR [--replace]
  recon report   --root URL --date D [--out FILE]
  recon convert  --from camt053|mt940|csv --bank B --platform P [--account-map F] [--kind-map F] [--mapping F] [--strict] [--replace] --out URL FILE...
  recon version

Common flags: --log-format text|json, --log-level debug|info|warn|error.
Exit status: 0 done, 1 failed (run: nothing committed; validate, upload: a file refused;
report: no committed run or a report that does not match it), 2 usage error, 3 --fail-on matched.
`
)

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errFailOn means the run committed and found exceptions at or above the
// --fail-on severity: exit status 3.
var errFailOn = errors.New("exceptions at or above the --fail-on severity")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns its exit status. Exit codes are
// decided here only.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "recon: %s\n\n%s", ue.msg, usageHeader)
		return exitUsage
	case errors.Is(err, errFailOn):
		fmt.Fprintf(stderr, "recon: %v\n", err)
		return exitFailOn
	default:
		fmt.Fprintf(stderr, "recon: %v\n", err)
		return exitFailed
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "gen":
		return cmdGen(ctx, rest, stdout, stderr)
	case "validate":
		return cmdValidate(ctx, rest, stdout, stderr)
	case "upload":
		return cmdUpload(ctx, rest, stdout, stderr)
	case "report":
		return cmdReport(ctx, rest, stdout, stderr)
	case "convert":
		return cmdConvert(ctx, rest, stdout, stderr)
	case "version":
		return cmdVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageHeader)
		return nil
	}
	return usagef("unknown command %q", cmd)
}
