# METADATA
# title: RUN uses sudo
# description: >-
#   sudo in an image means a privileged escalation path inside the container and unpredictable TTY/PAM behaviour at build time.
# custom:
#   id: VGL-DF-012
#   severity: HIGH
#   input: dockerfile
#   remediation: Run the step as root (before USER) instead of using sudo; do not install sudo.
#   references: ["https://docs.docker.com/build/building/best-practices/#user"]
#   controls: {}
package vigil.checks.dockerfile.sudo

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	regex.match(`^(\S+=\S+\s+)*sudo(\s|$)`, c)
	res := {"msg": "RUN uses sudo", "path": x.path}
}
