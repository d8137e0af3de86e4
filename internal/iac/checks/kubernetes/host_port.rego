# METADATA
# title: Container uses a host port
# description: >-
#   hostPort binds the container port on the node's interfaces, bypassing
#   network policies and limiting scheduling.
# custom:
#   id: VGL-K8S-013
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Remove ports[].hostPort and expose the pod through a Service.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.13"}
package vigil.checks.kubernetes.host_port

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	some i, port in ctr.container.ports
	hp := k8s.to_int(port.hostPort)
	hp != 0
	res := {
		"msg": sprintf("%s uses host port %d", [k8s.container_label(ctr), hp]),
		"path": array.concat(ctr.path, ["ports", i, "hostPort"]),
	}
}
