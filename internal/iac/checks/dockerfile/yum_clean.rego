# METADATA
# title: yum/dnf install without cleaning the cache
# description: >-
#   The package manager cache stays in the layer unless the same RUN runs `yum clean all` / `dnf clean all` (or removes /var/cache/yum|dnf). Only stages that end up in the final image are checked.
# custom:
#   id: VGL-DF-018
#   severity: LOW
#   input: dockerfile
#   remediation: Append `&& yum clean all` (or `dnf clean all`) to the RUN that installs packages.
#   references: ["https://docs.docker.com/build/building/best-practices/"]
#   controls: {}
package vigil.checks.dockerfile.yum_clean

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	df.ships(x.stage)
	s := df.text(x.ins)
	some c in df.commands(s)
	m := regex.find_all_string_submatch_n(`^(?:sudo\s+)?(yum|dnf|microdnf)\s+(?:.*\s)?install\b`, c, 1)
	count(m) > 0
	tool := m[0][1]
	not regex.match(sprintf(`\b%s\s+(-\S+\s+)*clean\s+all\b|rm\s+(-\S+\s+)*[^&;|]*/var/cache/(yum|dnf)`, [tool]), s)
	not contains(c, "--setopt=keepcache=0")
	res := {"msg": sprintf("%s install runs without '%s clean all'", [tool, tool]), "path": x.path}
}
