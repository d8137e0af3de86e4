# METADATA
# title: apt-get install without --no-install-recommends
# description: >-
#   Recommended packages enlarge the image and its attack surface without being needed.
# custom:
#   id: VGL-DF-009
#   severity: LOW
#   input: dockerfile
#   remediation: Add --no-install-recommends to apt-get install.
#   references: ["https://docs.docker.com/build/building/best-practices/#apt-get"]
#   controls: {cis_docker: "4.3"}
package vigil.checks.dockerfile.apt_no_recommends

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	regex.match(`^(sudo\s+)?apt-get\s+(.*\s)?install\b`, c)
	not regex.match(`--no-install-recommends|-o\s*APT::Install-Recommends=(false|0)`, c)
	res := {"msg": "apt-get install runs without --no-install-recommends", "path": x.path}
}
