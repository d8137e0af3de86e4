# METADATA
# title: apt-get update alone in a RUN
# description: >-
#   A RUN with only apt-get update is cached separately; later installs then use stale package lists.
# custom:
#   id: VGL-DF-024
#   severity: LOW
#   input: dockerfile
#   remediation: Combine apt-get update and apt-get install in the same RUN.
#   references: ["https://docs.docker.com/build/building/best-practices/#apt-get"]
#   controls: {cis_docker: "4.7"}
package vigil.checks.dockerfile.apt_update_alone

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	s := df.text(x.ins)
	regex.match(`\b(apt-get|apt|yum|dnf|apk)\s+(.*\s)?update\b`, s)
	not regex.match(`\b(install|add|upgrade|dist-upgrade)\b`, s)
	res := {"msg": "RUN updates package lists without installing in the same layer", "path": x.path}
}
