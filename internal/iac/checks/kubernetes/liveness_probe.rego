# METADATA
# title: Container has no liveness probe
# description: >-
#   Without a livenessProbe the kubelet cannot restart a hung container, which hurts availability. Jobs and CronJobs are
#   not checked (run-to-completion workloads).
# custom:
#   id: VGL-K8S-030
#   severity: LOW
#   input: kubernetes
#   remediation: Define livenessProbe for the container.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"]
#   controls: {}
package vigil.checks.kubernetes.liveness_probe

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	not input.kind in {"Job", "CronJob"}
	some ctr in k8s.app_containers
	not ctr.container.livenessProbe
	res := {
		"msg": sprintf("%s has no livenessProbe", [k8s.container_label(ctr)]),
		"path": ctr.path,
	}
}
