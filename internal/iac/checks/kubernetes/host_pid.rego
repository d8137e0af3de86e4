# METADATA
# title: Pod uses hostPID
# description: >-
#   With hostPID the pod shares the host's process ID namespace, which breaks isolation between the
#   workload and the node and other pods.
# custom:
#   id: VGL-K8S-009
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove spec.hostPID (or set it to false).
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.3"}
package vigil.checks.kubernetes.host_pid

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	k8s.is_true(pod.spec.hostPID)
	res := {
		"msg": sprintf("%s shares the host's process ID namespace (hostPID: true)", [k8s.label]),
		"path": array.concat(pod.path, ["hostPID"]),
	}
}
