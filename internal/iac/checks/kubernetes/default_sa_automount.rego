# METADATA
# title: Default service account automounts its token
# description: >-
#   The default ServiceAccount is used by every pod that names no other; unless
#   it disables automountServiceAccountToken, all of them get an API token.
# custom:
#   id: VGL-K8S-026
#   severity: LOW
#   input: kubernetes
#   remediation: Set automountServiceAccountToken to false on the default ServiceAccount.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"]
#   controls: {cis_kubernetes: "5.1.5"}
package vigil.checks.kubernetes.default_sa_automount

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	input.kind == "ServiceAccount"
	input.metadata.name == "default"
	not k8s.is_false(object.get(input, "automountServiceAccountToken", null))
	res := {
		"msg": sprintf("ServiceAccount 'default' (namespace '%v') does not disable automountServiceAccountToken", [object.get(input.metadata, "namespace", "")]),
		"path": path,
	}
}

path := ["automountServiceAccountToken"] if {
	_ = input.automountServiceAccountToken
} else := ["metadata"]
