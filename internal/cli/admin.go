package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

func newAdminCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Maintenance of a Vigil server's data",
	}
	var (
		sf     storeFlags
		asJSON bool
	)
	verify := &cobra.Command{
		Use:   "verify-findings",
		Short: "Recompute every artifact's vulnerability findings from scratch and report how the stored ones differ",
		Long: `Match the stored inventory of every artifact against the server's
vulnerability database (DATA-DIR/vulndb) with the same code as every match,
and compare with the findings the server holds. Reports each finding that is
missing, extra, or has another severity or fixed version. Exit 0 when there
is no difference, 1 when there is one.

It reads the database the server uses (--data-dir, or --database for
PostgreSQL); it may run while the server runs.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, dataDir, err := sf.open(cmd.Context(), e.logger(), nil)
			if err != nil {
				return err
			}
			defer st.Close()
			db, err := vulndb.Open(filepath.Join(dataDir, "vulndb"))
			if err != nil {
				return &exitError{code: ExitError, err: fmt.Errorf("open the server's vulnerability database: %w", err)}
			}
			defer db.Close()
			n, diffs, err := server.VerifyFindings(cmd.Context(), st, db)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if asJSON {
				if diffs == nil {
					diffs = []server.Difference{}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"artifacts": n, "differences": diffs}); err != nil {
					return err
				}
			} else {
				for _, d := range diffs {
					fmt.Fprintf(e.stdout, "artifact %d (%s): %s %s: %s\n", d.ArtifactID, d.Digest, d.Kind, d.Key, d.Detail)
				}
				fmt.Fprintf(e.stderr, "%d artifacts verified, %d differences\n", n, len(diffs))
			}
			if len(diffs) > 0 {
				return &exitError{code: ExitGate, err: fmt.Errorf("%d findings differ from a from-scratch match", len(diffs))}
			}
			return nil
		},
	}
	sf.register(verify.Flags())
	verify.Flags().BoolVar(&asJSON, "json", false, "print the differences as JSON")
	cmd.AddCommand(verify)
	return cmd
}
