# METADATA
# title: RUN cd instead of WORKDIR
# description: >-
#   A RUN that only changes directory has no effect on later instructions; cd followed by commands hides the working directory from readers.
# custom:
#   id: VGL-DF-022
#   severity: LOW
#   input: dockerfile
#   remediation: Use WORKDIR to change the working directory.
#   references: ["https://docs.docker.com/build/building/best-practices/#workdir"]
#   controls: {}
package vigil.checks.dockerfile.run_cd

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.runs
	cmds := df.commands(df.text(x.ins))
	count(cmds) > 0
	regex.match(`^cd(\s|$)`, cmds[0])
	res := {"msg": sprintf("RUN starts with '%s': use WORKDIR", [cmds[0]]), "path": x.path}
}
