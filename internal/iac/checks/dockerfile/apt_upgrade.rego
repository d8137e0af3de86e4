# METADATA
# title: Package upgrade in the Dockerfile
# description: >-
#   apt-get upgrade / dist-upgrade (or apk upgrade, yum update) makes builds non-reproducible; update the base image instead.
# custom:
#   id: VGL-DF-010
#   severity: LOW
#   input: dockerfile
#   remediation: Rebuild on a newer base image tag rather than upgrading packages in place.
#   references: ["https://docs.docker.com/build/building/best-practices/#apt-get"]
#   controls: {}
package vigil.checks.dockerfile.apt_upgrade

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	regex.match(`^(sudo\s+)?(apt-get\s+(.*\s)?(dist-|full-)?upgrade|apt\s+(.*\s)?(full-)?upgrade|apk\s+(.*\s)?upgrade|(yum|dnf|microdnf)\s+(.*\s)?(update|upgrade))(\s|$)`, c)
	res := {"msg": sprintf("RUN upgrades packages in place (%s)", [c]), "path": x.path}
}
