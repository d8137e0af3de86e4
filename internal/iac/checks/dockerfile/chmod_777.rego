# METADATA
# title: World-writable permissions (chmod 777)
# description: >-
#   chmod 777 (or o+w) lets any user in the container modify the files, including binaries and configuration.
# custom:
#   id: VGL-DF-020
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Grant the minimum permissions to the owning user/group (for example 755 or 750).
#   references: ["https://docs.docker.com/build/building/best-practices/"]
#   controls: {}
package vigil.checks.dockerfile.chmod_777

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	m := regex.find_all_string_submatch_n(`^(?:sudo\s+)?chmod\s+(?:-\S+\s+)*(\S+)`, c, 1)
	count(m) > 0
	world_writable(m[0][1])
	res := {"msg": sprintf("RUN makes files world-writable (%s)", [c]), "path": x.path}
}

# Octal modes with the "other" write bit; directories with the sticky bit
# (chmod 1777 /tmp) are the idiomatic exception.
world_writable(mode) if {
	regex.match(`^[0-7]{3,4}$`, mode)
	regex.match(`[2367]$`, mode)
	not regex.match(`^[1357][0-7]{3}$`, mode)
}

world_writable(mode) if regex.match(`(^|,)[ugo]*[oa][ugo]*\+[rxXst]*w`, mode)

deny contains res if {
	some cmd in ["copy", "add"]
	some x in df.by_cmd(cmd)
	some fl in x.ins.flags
	regex.match(`^--chmod=[0-7]?[0-7]{2}[2367]$`, fl)
	res := {"msg": sprintf("%s %s makes files world-writable", [upper(cmd), fl]), "path": x.path}
}
