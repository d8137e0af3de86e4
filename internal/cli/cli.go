// Package cli is Vigil's command line: cobra commands that turn flags into
// options, call the library and render the result. No business logic here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes (docs/exit-codes.md).
const (
	ExitOK    = 0
	ExitGate  = 1 // the gate failed: findings at or above --fail-on, or a policy deny
	ExitError = 2 // usage or input error, no database, ...
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// Main runs the CLI with the process's arguments and exits.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// VIGIL_CPUPROFILE=FILE writes a CPU profile of the run (for developers).
	if p := os.Getenv("VIGIL_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer f.Close()
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	err  error // nil: nothing more to print
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// usageError marks bad flags or arguments (exit 2, with a hint).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// env holds the process environment handed to commands.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	logLevel       string
}

func (e *env) logger() *slog.Logger {
	lvl := slog.LevelWarn
	s := e.logLevel
	if s == "" {
		s = os.Getenv("VIGIL_LOG_LEVEL")
	}
	switch strings.ToLower(s) {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "error":
		lvl = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
}

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "vigil: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "vigil: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'vigil --help' for usage.")
	}
	if errors.Is(err, context.Canceled) {
		return 130
	}
	return ExitError
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "vigil",
		Short: "Security as code: vulnerabilities, misconfigurations and secrets, from commit to production",
		Long: `Vigil finds the software components in a source tree, lockfile, root filesystem,
container image or SBOM, matches them against the OSV vulnerability database,
checks infrastructure as code and looks for leaked secrets. It writes SBOMs,
SARIF and JSON, and gates the build with policy as code.

Exit codes: 0 the gate passed, 1 the gate failed (--fail-on, policy deny),
2 usage or input error. See docs/exit-codes.md.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "", "log level: debug, info, warn, error (env VIGIL_LOG_LEVEL; default warn)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(newScanCmd(e), newSBOMCmd(e), newDBCmd(e), newPolicyCmd(e), newVersionCmd(e), newServeCmd(e), newTokenCmd(e), newDeployCmd(e), newAdminCmd(e), newAuditCmd(e), newIngestCmd(e), newVEXCmd(e), newComplianceCmd(e))
	root.AddCommand(newGateCmd(e))
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Vigil's version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(e.stdout, "vigil %s\n", Version)
			return nil
		},
	}
}

func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}
