package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/iac"
	"github.com/vigil-sec/vigil/internal/iac/policy"
)

func newPolicyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with Rego policies (gate policies and custom checks)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "test DIR...",
		Short: "Run the Rego unit tests (test_* rules in *_test.rego) of policy directories",
		Long: `Run the policies' own Rego unit tests with OPA's test runner, the way
'opa test' does: every test_* rule in the directories' *_test.rego files.
Gate policies (package vigil) and custom checks (package vigil.checks.*) may
live in the same directory; the built-in helper libraries (vigil.lib.*) are
available to them.

Exit codes: 0 all tests passed, 1 a test failed, 2 a policy does not compile
or a directory holds no tests.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("policy test needs at least one directory")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, dirs []string) error {
			passed, failed, err := iac.TestPolicies(cmd.Context(), dirs, e.stdout)
			if errors.Is(err, policy.ErrNoTests) {
				return &usageError{err: err}
			}
			if err != nil && !errors.Is(err, policy.ErrTestsFailed) {
				return &exitError{code: ExitError, err: err}
			}
			fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return &exitError{code: ExitGate, err: fmt.Errorf("%d policy test(s) failed", failed)}
			}
			return nil
		},
	})
	return cmd
}
