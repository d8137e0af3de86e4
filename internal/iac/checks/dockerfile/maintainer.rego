# METADATA
# title: MAINTAINER is deprecated
# description: >-
#   MAINTAINER was deprecated in favour of labels.
# custom:
#   id: VGL-DF-021
#   severity: LOW
#   input: dockerfile
#   remediation: Use `LABEL org.opencontainers.image.authors="..."`.
#   references: ["https://docs.docker.com/reference/dockerfile/#maintainer-deprecated"]
#   controls: {}
package vigil.checks.dockerfile.maintainer

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.by_cmd("maintainer")
	res := {"msg": "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors", "path": x.path}
}
