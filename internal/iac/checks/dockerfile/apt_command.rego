# METADATA
# title: apt used instead of apt-get
# description: >-
#   apt's command-line interface is not stable for scripts and warns about it; apt-get is the scripting interface.
# custom:
#   id: VGL-DF-027
#   severity: LOW
#   input: dockerfile
#   remediation: Use apt-get (or apt-cache) in RUN.
#   references: ["https://manpages.debian.org/bookworm/apt/apt.8.en.html#SCRIPT_USAGE_AND_DIFFERENCES_FROM_OTHER_APT_TOOLS"]
#   controls: {}
package vigil.checks.dockerfile.apt_command

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	regex.match(`^(sudo\s+)?(\S+=\S+\s+)*apt\s+(.*\s)?(install|update|upgrade|remove|purge|full-upgrade|autoremove)\b`, c)
	res := {"msg": sprintf("RUN uses apt instead of apt-get (%s)", [c]), "path": x.path}
}
