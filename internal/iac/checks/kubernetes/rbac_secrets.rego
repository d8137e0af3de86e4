# METADATA
# title: Role can read secrets
# description: >-
#   get, list or watch on secrets lets the subject read every secret in scope
#   (list and watch return the values too).
# custom:
#   id: VGL-K8S-038
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Restrict the rule with resourceNames, or remove secrets access.
#   references: ["https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets"]
#   controls: {cis_kubernetes: "5.1.2"}
package vigil.checks.kubernetes.rbac_secrets

import data.vigil.lib.kubernetes as k8s
import rego.v1

read_verbs := {"get", "list", "watch", "*"}

deny contains res if {
	some r in k8s.rules
	core_group(r.rule)
	"secrets" in k8s.rule_list(r.rule, "resources")
	count(k8s.rule_list(r.rule, "resourceNames")) == 0
	some verb in k8s.rule_list(r.rule, "verbs")
	read_verbs[verb]
	res := {
		"msg": sprintf("%s can read secrets", [k8s.label]),
		"path": array.concat(r.path, ["resources"]),
	}
}

core_group(rule) if {
	some g in k8s.rule_list(rule, "apiGroups")
	g in {"", "*"}
}
