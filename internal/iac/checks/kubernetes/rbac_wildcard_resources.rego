# METADATA
# title: Role grants access to all resources
# description: >-
#   A rule with resources ["*"] covers every resource of its API groups,
#   including secrets and resources added later.
# custom:
#   id: VGL-K8S-028
#   severity: HIGH
#   input: kubernetes
#   remediation: List the resources the subject needs explicitly.
#   references: ["https://kubernetes.io/docs/concepts/security/rbac-good-practices/"]
#   controls: {cis_kubernetes: "5.1.3"}
package vigil.checks.kubernetes.rbac_wildcard_resources

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some r in k8s.rules
	some i, resource in k8s.rule_list(r.rule, "resources")
	resource == "*"
	res := {
		"msg": sprintf("%s grants access to all resources ('*')", [k8s.label]),
		"path": array.concat(r.path, ["resources", i]),
	}
}
