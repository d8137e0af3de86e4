# METADATA
# title: Pod uses hostNetwork
# description: >-
#   With hostNetwork the pod shares the host's network namespace, which breaks isolation between the
#   workload and the node and other pods.
# custom:
#   id: VGL-K8S-011
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove spec.hostNetwork (or set it to false).
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.5"}
package vigil.checks.kubernetes.host_network

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	k8s.is_true(pod.spec.hostNetwork)
	res := {
		"msg": sprintf("%s shares the host's network namespace (hostNetwork: true)", [k8s.label]),
		"path": array.concat(pod.path, ["hostNetwork"]),
	}
}
