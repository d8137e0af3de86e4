# METADATA
# title: pip install without --no-cache-dir
# description: >-
#   pip keeps downloaded wheels in ~/.cache/pip, which stays in the layer. Only stages that end up in the final image are checked.
# custom:
#   id: VGL-DF-019
#   severity: LOW
#   input: dockerfile
#   remediation: Use `pip install --no-cache-dir` (or set PIP_NO_CACHE_DIR=1).
#   references: ["https://pip.pypa.io/en/stable/topics/caching/"]
#   controls: {}
package vigil.checks.dockerfile.pip_no_cache

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	df.ships(x.stage)
	some c in df.commands(df.text(x.ins))
	regex.match(`^(\S+=\S+\s+)*(sudo\s+)?(python[0-9.]*\s+-m\s+)?pip[0-9.]*\s+(.*\s)?install\b`, c)
	not contains(c, "--no-cache-dir")
	not regex.match(`^(\S+=\S+\s+)*PIP_NO_CACHE_DIR=`, c)
	not env_disables_cache
	not cache_mount(x.ins)
	res := {"msg": "pip install runs without --no-cache-dir", "path": x.path}
}

env_disables_cache if {
	some p in df.env_pairs
	upper(p.key) == "PIP_NO_CACHE_DIR"
}

cache_mount(ins) if {
	some fl in ins.flags
	contains(fl, "--mount=")
	contains(fl, ".cache/pip")
}
