# METADATA
# title: Role grants all verbs
# description: >-
#   A rule with verbs ["*"] grants every current and future verb, including
#   escalate, bind and impersonate where they apply.
# custom:
#   id: VGL-K8S-027
#   severity: HIGH
#   input: kubernetes
#   remediation: List the verbs the subject needs explicitly.
#   references: ["https://kubernetes.io/docs/concepts/security/rbac-good-practices/"]
#   controls: {cis_kubernetes: "5.1.3"}
package vigil.checks.kubernetes.rbac_wildcard_verbs

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some r in k8s.rules
	some i, verb in k8s.rule_list(r.rule, "verbs")
	verb == "*"
	res := {
		"msg": sprintf("%s grants all verbs ('*')", [k8s.label]),
		"path": array.concat(r.path, ["verbs", i]),
	}
}
