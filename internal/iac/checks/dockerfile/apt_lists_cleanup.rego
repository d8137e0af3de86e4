# METADATA
# title: apt-get install without removing the package lists
# description: >-
#   The apt package lists stay in the layer (tens of MB) when the same RUN does not remove /var/lib/apt/lists. Only stages that end up in the final image are checked; a BuildKit cache mount on /var/lib/apt also counts.
# custom:
#   id: VGL-DF-008
#   severity: LOW
#   input: dockerfile
#   remediation: Append `&& rm -rf /var/lib/apt/lists/*` to the RUN that installs packages.
#   references: ["https://docs.docker.com/build/building/best-practices/#apt-get"]
#   controls: {}
package vigil.checks.dockerfile.apt_lists_cleanup

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	df.ships(x.stage)
	s := df.text(x.ins)
	regex.match(`\bapt(-get)?\s+(-\S+\s+)*install\b`, s)
	not regex.match(`\brm\s+(-\S+\s+)*[^&;|]*/var/lib/apt/lists`, s)
	not cache_mount(x.ins)
	res := {"msg": "RUN installs packages with apt but does not remove /var/lib/apt/lists", "path": x.path}
}

cache_mount(ins) if {
	some fl in ins.flags
	contains(fl, "--mount=")
	contains(fl, "/var/lib/apt")
}
