# METADATA
# title: No HEALTHCHECK instruction
# description: >-
#   Without a HEALTHCHECK in the final image (or a stage it is built FROM) the
#   engine cannot tell whether the service works.
# custom:
#   id: VGL-DF-011
#   severity: LOW
#   input: dockerfile
#   remediation: Add a HEALTHCHECK (or rely on orchestrator probes and document it).
#   references: ["https://docs.docker.com/reference/dockerfile/#healthcheck"]
#   controls: {cis_docker: "4.6"}
package vigil.checks.dockerfile.missing_healthcheck

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	count(df.stages) > 0
	not has_healthcheck
	res := {"msg": "The final stage has no HEALTHCHECK", "path": df.from_path(df.last_stage)}
}

has_healthcheck if {
	some x in df.by_cmd("healthcheck")
	df.ships(x.stage)
}
