# METADATA
# title: Pod mounts the default service account token
# description: >-
#   The pod runs as the namespace's default service account and its API token
#   is mounted; any process in the pod can call the Kubernetes API with it.
# custom:
#   id: VGL-K8S-025
#   severity: LOW
#   input: kubernetes
#   remediation: Use a dedicated service account, or set automountServiceAccountToken to false when the pod does not call the API.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"]
#   controls: {cis_kubernetes: "5.1.6"}
package vigil.checks.kubernetes.default_sa_token

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	default_sa(pod)
	not k8s.is_false(object.get(pod.spec, "automountServiceAccountToken", null))
	res := {
		"msg": sprintf("%s uses the default service account with its token mounted", [k8s.label]),
		"path": k8s.pod_path(pod, "automountServiceAccountToken"),
	}
}

default_sa(pod) if not pod.spec.serviceAccountName

default_sa(pod) if pod.spec.serviceAccountName == "default"
