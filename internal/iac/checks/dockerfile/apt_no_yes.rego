# METADATA
# title: apt-get install without -y
# description: >-
#   Without -y (or --yes / --assume-yes) apt-get prompts for confirmation and the non-interactive build fails or hangs.
# custom:
#   id: VGL-DF-023
#   severity: LOW
#   input: dockerfile
#   remediation: Add -y to apt-get install.
#   references: ["https://docs.docker.com/build/building/best-practices/#apt-get"]
#   controls: {}
package vigil.checks.dockerfile.apt_no_yes

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	regex.match(`^(sudo\s+)?(\S+=\S+\s+)*apt-get\s+(.*\s)?install\b`, c)
	not regex.match(`(\s-[a-zA-Z]*y[a-zA-Z]*\b|--yes\b|--assume-yes\b|-qq\b)`, c)
	res := {"msg": "apt-get install runs without -y", "path": x.path}
}
