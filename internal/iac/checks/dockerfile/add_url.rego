# METADATA
# title: ADD fetches a remote URL
# description: >-
#   ADD <url> downloads without checksum verification (unless --checksum is
#   given) and hides the download from the build's RUN steps.
# custom:
#   id: VGL-DF-002
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Download with curl/wget in a RUN step and verify a checksum, or use ADD --checksum=sha256:...
#   references: ["https://docs.docker.com/reference/dockerfile/#add"]
#   controls: {cis_docker: "4.9"}
package vigil.checks.dockerfile.add_url

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.by_cmd("add")
	some src in sources(x.ins)
	regex.match(`^(?i)(https?|ftp)://`, src)
	not has_checksum(x.ins)
	res := {"msg": sprintf("ADD downloads %s without a checksum", [src]), "path": x.path}
}

# All arguments but the destination.
sources(ins) := array.slice(ins.args, 0, count(ins.args) - 1) if count(ins.args) > 1

else := []

has_checksum(ins) if {
	some fl in ins.flags
	startswith(fl, "--checksum")
}
