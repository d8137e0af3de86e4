// Package checks embeds vigil's built-in Rego checks and their helper
// libraries. Layout:
//
//	checks/<family>/*.rego        one check per module, package vigil.checks.<family>.<name>
//	checks/<family>/*_test.rego   Rego unit tests (run by `go test ./internal/iac/...`)
//	checks/lib/*.rego             helper libraries, package vigil.lib.<name>
//
// See docs/iac.md for the metadata contract. Only .rego files are read.
package checks

import "embed"

// FS holds every file of this directory tree.
//
//go:embed *
var FS embed.FS
