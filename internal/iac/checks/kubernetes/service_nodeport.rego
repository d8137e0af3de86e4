# METADATA
# title: Service of type NodePort
# description: >-
#   NodePort opens the port on every node's addresses, usually bypassing the
#   load balancer and its access controls.
# custom:
#   id: VGL-K8S-033
#   severity: LOW
#   input: kubernetes
#   remediation: Use a ClusterIP Service behind an Ingress or a LoadBalancer.
#   references: ["https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport"]
#   controls: {}
package vigil.checks.kubernetes.service_nodeport

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	res := {"msg": sprintf("%s is of type NodePort", [k8s.label]), "path": ["spec", "type"]}
}
