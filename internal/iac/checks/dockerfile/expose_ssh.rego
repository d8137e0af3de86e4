# METADATA
# title: Port 22 exposed
# description: >-
#   Exposing SSH suggests an sshd in the container: another daemon, credentials and attack surface. Use docker exec / kubectl exec instead.
# custom:
#   id: VGL-DF-013
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Remove EXPOSE 22 and the SSH server.
#   references: ["https://docs.docker.com/reference/dockerfile/#expose"]
#   controls: {cis_docker: "5.6"}
package vigil.checks.dockerfile.expose_ssh

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some x in df.by_cmd("expose")
	some a in x.ins.args
	regex.match(`^22(/tcp)?$`, lower(a))
	res := {"msg": "EXPOSE 22 (SSH)", "path": x.path}
}
