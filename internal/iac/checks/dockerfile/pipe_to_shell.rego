# METADATA
# title: Remote script piped into a shell
# description: >-
#   curl ... | sh (or wget -O- ... | bash) runs whatever the server returns at
#   build time, without integrity checks.
# custom:
#   id: VGL-DF-004
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Download the script, verify its checksum or signature, then run it.
#   references: ["https://docs.docker.com/build/building/best-practices/#using-pipes"]
#   controls: {cis_docker: "4.11"}
package vigil.checks.dockerfile.pipe_to_shell

import data.vigil.lib.dockerfile as df
import rego.v1

pattern := `(?i)\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(-\S+\s+)*(env\s+)?(/usr)?(/bin/)?(ba|z|da|k)?sh\b`

deny contains res if {
	some x in df.runs
	regex.match(pattern, df.text(x.ins))
	res := {"msg": "RUN pipes a downloaded script into a shell", "path": x.path}
}
