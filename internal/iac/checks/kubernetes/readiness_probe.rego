# METADATA
# title: Container has no readiness probe
# description: >-
#   Without a readinessProbe traffic is sent to the container before it is ready and while it is failing, which hurts availability. Jobs and CronJobs are
#   not checked (run-to-completion workloads).
# custom:
#   id: VGL-K8S-031
#   severity: LOW
#   input: kubernetes
#   remediation: Define readinessProbe for the container.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"]
#   controls: {}
package vigil.checks.kubernetes.readiness_probe

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	not input.kind in {"Job", "CronJob"}
	some ctr in k8s.app_containers
	not ctr.container.readinessProbe
	res := {
		"msg": sprintf("%s has no readinessProbe", [k8s.container_label(ctr)]),
		"path": ctr.path,
	}
}
