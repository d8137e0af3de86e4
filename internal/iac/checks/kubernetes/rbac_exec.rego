# METADATA
# title: Role allows exec or attach into pods
# description: >-
#   create on pods/exec or pods/attach runs commands inside any pod in scope,
#   with that pod's service account and mounted secrets.
# custom:
#   id: VGL-K8S-039
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove pods/exec and pods/attach from the role.
#   references: ["https://kubernetes.io/docs/concepts/security/rbac-good-practices/"]
#   controls: {}
package vigil.checks.kubernetes.rbac_exec

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some r in k8s.rules
	some i, resource in k8s.rule_list(r.rule, "resources")
	resource in {"pods/exec", "pods/attach"}
	some verb in k8s.rule_list(r.rule, "verbs")
	verb in {"create", "get", "*"}
	res := {
		"msg": sprintf("%s allows %s", [k8s.label, resource]),
		"path": array.concat(r.path, ["resources", i]),
	}
}
