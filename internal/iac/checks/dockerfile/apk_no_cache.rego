# METADATA
# title: apk add without --no-cache
# description: >-
#   The APK index is left in the layer unless --no-cache is used (or /var/cache/apk is removed). Only stages that end up in the final image are checked.
# custom:
#   id: VGL-DF-017
#   severity: LOW
#   input: dockerfile
#   remediation: Use `apk add --no-cache ...`.
#   references: ["https://docs.docker.com/build/building/best-practices/"]
#   controls: {}
package vigil.checks.dockerfile.apk_no_cache

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	df.ships(x.stage)
	s := df.text(x.ins)
	some c in df.commands(s)
	regex.match(`^(sudo\s+)?apk\s+(.*\s)?add\b`, c)
	not contains(c, "--no-cache")
	not regex.match(`rm\s+(-\S+\s+)*[^&;|]*/var/cache/apk`, s)
	not cache_mount(x.ins)
	res := {"msg": "apk add runs without --no-cache", "path": x.path}
}

cache_mount(ins) if {
	some fl in ins.flags
	contains(fl, "--mount=")
	contains(fl, "/var/cache/apk")
}
