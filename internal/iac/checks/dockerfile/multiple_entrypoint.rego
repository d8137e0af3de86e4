# METADATA
# title: Multiple ENTRYPOINT instructions in a stage
# description: >-
#   Only the last ENTRYPOINT of a stage takes effect; earlier ones are dead code that misleads readers.
# custom:
#   id: VGL-DF-016
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Keep a single ENTRYPOINT per stage.
#   references: ["https://docs.docker.com/reference/dockerfile/#entrypoint"]
#   controls: {}
package vigil.checks.dockerfile.multiple_entrypoint

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.by_cmd("entrypoint")
	some y in df.by_cmd("entrypoint")
	x.stage == y.stage
	y.path[1] > x.path[1]
	not later_exists(x, y)
	res := {"msg": sprintf("Stage %d has more than one ENTRYPOINT; only the last takes effect", [x.stage]), "path": x.path}
}

# Report each earlier ENTRYPOINT once (y is the next one after x).
later_exists(x, y) if {
	some z in df.by_cmd("entrypoint")
	z.stage == x.stage
	z.path[1] > x.path[1]
	z.path[1] < y.path[1]
}
