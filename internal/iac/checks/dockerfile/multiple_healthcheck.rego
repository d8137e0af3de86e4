# METADATA
# title: Multiple HEALTHCHECK instructions in a stage
# description: >-
#   Only the last HEALTHCHECK of a stage takes effect.
# custom:
#   id: VGL-DF-026
#   severity: LOW
#   input: dockerfile
#   remediation: Keep a single HEALTHCHECK per stage.
#   references: ["https://docs.docker.com/reference/dockerfile/#healthcheck"]
#   controls: {}
package vigil.checks.dockerfile.multiple_healthcheck

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.by_cmd("healthcheck")
	some y in df.by_cmd("healthcheck")
	x.stage == y.stage
	y.path[1] > x.path[1]
	res := {"msg": sprintf("Stage %d has more than one HEALTHCHECK; only the last takes effect", [x.stage]), "path": x.path}
}
