# METADATA
# title: Pod uses hostIPC
# description: >-
#   With hostIPC the pod shares the host's IPC namespace, which breaks isolation between the
#   workload and the node and other pods.
# custom:
#   id: VGL-K8S-010
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove spec.hostIPC (or set it to false).
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.4"}
package vigil.checks.kubernetes.host_ipc

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	k8s.is_true(pod.spec.hostIPC)
	res := {
		"msg": sprintf("%s shares the host's IPC namespace (hostIPC: true)", [k8s.label]),
		"path": array.concat(pod.path, ["hostIPC"]),
	}
}
