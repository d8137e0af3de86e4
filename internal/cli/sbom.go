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

type sbomFlags struct {
	format, output, platform string
	kind                     string
	skipDirs                 []string
	push                     pushFlags
	insecure, noCache        bool
}

func newSBOMCmd(e *env) *cobra.Command {
	cmd := newSBOMKindCmd(e, "")
	cmd.AddCommand(newSBOMKindCmd(e, scan.KindImage), newSBOMKindCmd(e, scan.KindRootFS))
	return cmd
}

func newSBOMKindCmd(e *env, kind string) *cobra.Command {
	f := sbomFlags{kind: kind}
	cmd := &cobra.Command{
		Use:   "sbom [TARGET]",
		Short: "Write a software bill of materials (CycloneDX 1.6 or SPDX 2.3)",
		Long: `Write an SBOM of TARGET (default: the current directory; also a lockfile,
'vigil sbom image REF' for a registry image, OCI layout or archive, or
docker save tarball, and 'vigil sbom rootfs DIR' for a root filesystem):
every package with its purl, licences and hashes where known, the files it
came from, and the dependency graph where the lockfile gives it. No
vulnerability database is needed.

TARGET may carry a scheme prefix, as with Syft and Grype: registry:,
oci-dir:, oci-archive:, docker-archive:, dir:, file:, sbom:.

  vigil sbom . -f cyclonedx-json -o bom.cdx.json
  vigil sbom . -f spdx-json -o bom.spdx.json
  vigil sbom image registry.local/app:1.4 -o app.cdx.json
  vigil sbom registry:localhost:5000/app:1
  vigil scan bom.cdx.json          # scan an SBOM (made by Vigil, Syft or Trivy)`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := "."
			if len(args) == 1 {
				target = args[0]
			}
			return runSBOM(cmd, e, &f, target)
		},
	}
	switch kind {
	case scan.KindImage:
		cmd.Use, cmd.Short, cmd.Args = "image REF", "Write the SBOM of a container image: registry reference, OCI layout, OCI archive or docker save tarball", cobra.ExactArgs(1)
		cmd.Long = cmd.Short + ", layer by layer."
	case scan.KindRootFS:
		cmd.Use, cmd.Short, cmd.Args = "rootfs DIR", "Write the SBOM of a root filesystem directory (OS and installed language packages)", cobra.ExactArgs(1)
		cmd.Long = cmd.Short + "."
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", sbom.CycloneDXJSON, "SBOM format: "+strings.Join(sbom.Formats, ", "))
	fl.StringVarP(&f.output, "output", "o", "", "write the SBOM to FILE instead of standard output")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from a multi-platform image index (default linux/amd64)")
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow plain-HTTP (and unverified TLS) registries")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not read or write the image layer cache")
	f.push.register(fl)
	fl.StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directories not to enter, doublestar globs relative to the root; repeatable")
	return cmd
}

func runSBOM(cmd *cobra.Command, e *env, f *sbomFlags, target string) error {
	if err := f.push.check(); err != nil {
		return err
	}
	if !slices.Contains(sbom.Formats, f.format) {
		return usagef("--format: unknown SBOM format %q (want one of %s)", f.format, strings.Join(sbom.Formats, ", "))
	}
	res, err := scan.Run(cmd.Context(), scan.Options{Target: target, SkipDirs: f.skipDirs, InventoryOnly: true, Logger: e.logger(), ToolVersion: Version,
		Image: scan.ImageOptions{Kind: f.kind, Platform: f.platform, Insecure: f.insecure, NoCache: f.noCache}})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, is := range res.Issues {
		fmt.Fprintf(e.stderr, "warning: could not read %s\n", issueText(is.Path, is.Line, is.Message))
	}
	doc := report.SBOMDocument(res, false)
	if f.push.server != "" {
		if err := f.push.push(cmd.Context(), e, func(w io.Writer) error { return codec.Encode(w, f.format, doc) }); err != nil {
			return err
		}
	}
	if f.output == "" {
		return codec.Encode(e.stdout, f.format, doc)
	}
	if err := os.MkdirAll(filepath.Dir(f.output), 0o755); err != nil {
		return err
	}
	out, err := os.Create(f.output)
	if err != nil {
		return err
	}
	if err := codec.Encode(out, f.format, doc); err != nil {
		out.Close()
		return fmt.Errorf("write SBOM: %w", err)
	}
	return out.Close()
}
