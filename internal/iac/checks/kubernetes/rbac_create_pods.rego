# METADATA
# title: Role can create pods
# description: >-
#   Creating pods (directly or through workload controllers) lets the subject
#   run any image with any service account of the namespace and mount its secrets.
# custom:
#   id: VGL-K8S-040
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Grant pod creation only to controllers and CI identities that need it.
#   references: ["https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation"]
#   controls: {cis_kubernetes: "5.1.4"}
package vigil.checks.kubernetes.rbac_create_pods

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some r in k8s.rules
	some i, resource in k8s.rule_list(r.rule, "resources")
	resource == "pods"
	some verb in k8s.rule_list(r.rule, "verbs")
	verb in {"create", "*"}
	res := {
		"msg": sprintf("%s can create pods", [k8s.label]),
		"path": array.concat(r.path, ["resources", i]),
	}
}
