# METADATA
# title: Pod shares its process namespace
# description: >-
#   With shareProcessNamespace every container can see and signal the others'
#   processes and read their /proc (environment, filesystem).
# custom:
#   id: VGL-K8S-045
#   severity: LOW
#   input: kubernetes
#   remediation: Remove spec.shareProcessNamespace unless a sidecar needs it.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/"]
#   controls: {}
package vigil.checks.kubernetes.share_process_namespace

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	k8s.is_true(pod.spec.shareProcessNamespace)
	res := {"msg": sprintf("%s shares its process namespace", [k8s.label]), "path": array.concat(pod.path, ["shareProcessNamespace"])}
}
