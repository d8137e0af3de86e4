package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/codec"
	"github.com/vigil-sec/vigil/internal/scan"
)

func newSBOMCmd(e *env) *cobra.Command {
	var (
		format, output, platform string
		push                     pushFlags
		insecure, noCache        bool
	)
	cmd := &cobra.Command{
		Use:   "sbom [TARGET]",
		Short: "Write a software bill of materials (CycloneDX 1.6 or SPDX 2.3)",
		Long: `Write an SBOM of TARGET (default: the current directory; also an image
reference, OCI layout or archive, docker save tarball, or root filesystem):
every package with
its purl, licences and hashes where known, the files it came from, and the
dependency graph where the lockfile gives it. No vulnerability database is
needed.

  vigil sbom . -f cyclonedx-json -o bom.cdx.json
  vigil sbom . -f spdx-json -o bom.spdx.json
  vigil scan bom.cdx.json          # scan an SBOM (made by Vigil, Syft or Trivy)`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := "."
			if len(args) == 1 {
				target = args[0]
			}
			if err := push.check(); err != nil {
				return err
			}
			if !slices.Contains(sbom.Formats, format) {
				return usagef("--format: unknown SBOM format %q (want one of %s)", format, strings.Join(sbom.Formats, ", "))
			}
			res, err := scan.Run(cmd.Context(), scan.Options{Target: target, InventoryOnly: true, Logger: e.logger(), ToolVersion: Version,
				Image: scan.ImageOptions{Platform: platform, Insecure: insecure, NoCache: noCache}})
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			for _, is := range res.Issues {
				fmt.Fprintf(e.stderr, "warning: could not read %s\n", issueText(is.Path, is.Line, is.Message))
			}
			doc := report.SBOMDocument(res, false)
			if push.server != "" {
				if err := push.push(cmd.Context(), e, func(w io.Writer) error { return codec.Encode(w, format, doc) }); err != nil {
					return err
				}
			}
			if output == "" {
				return codec.Encode(e.stdout, format, doc)
			}
			if err := os.MkdirAll(filepath.Dir(output), 0o755); err != nil {
				return err
			}
			f, err := os.Create(output)
			if err != nil {
				return err
			}
			if err := codec.Encode(f, format, doc); err != nil {
				f.Close()
				return fmt.Errorf("write SBOM: %w", err)
			}
			return f.Close()
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", sbom.CycloneDXJSON, "SBOM format: "+strings.Join(sbom.Formats, ", "))
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the SBOM to FILE instead of standard output")
	cmd.Flags().StringVar(&platform, "platform", "", "platform to pick from a multi-platform image index (default linux/amd64)")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain-HTTP (and unverified TLS) registries")
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "do not read or write the image layer cache")
	push.register(cmd.Flags())
	return cmd
}
