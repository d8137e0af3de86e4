# METADATA
# title: WORKDIR is a relative path
# description: >-
#   A relative WORKDIR depends on the previous WORKDIR (or the base image's), which makes the resulting path hard to predict.
# custom:
#   id: VGL-DF-014
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Use an absolute path in WORKDIR.
#   references: ["https://docs.docker.com/reference/dockerfile/#workdir"]
#   controls: {}
package vigil.checks.dockerfile.workdir_relative

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.by_cmd("workdir")
	dir := trim(df.text(x.ins), `"' `)
	dir != ""
	not startswith(dir, "/")
	not startswith(dir, "$")
	not regex.match(`^[A-Za-z]:[\\/]`, dir)
	res := {"msg": sprintf("WORKDIR %s is relative", [dir]), "path": x.path}
}
