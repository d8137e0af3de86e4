# METADATA
# title: Role grants escalate, bind or impersonate
# description: >-
#   escalate and bind let a subject grant itself permissions it does not hold;
#   impersonate lets it act as another user, group or service account.
# custom:
#   id: VGL-K8S-046
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove the escalate, bind and impersonate verbs.
#   references: ["https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb"]
#   controls: {cis_kubernetes: "5.1.8"}
package vigil.checks.kubernetes.rbac_escalate

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some r in k8s.rules
	some i, verb in k8s.rule_list(r.rule, "verbs")
	verb in {"escalate", "bind", "impersonate"}
	res := {
		"msg": sprintf("%s grants the %s verb", [k8s.label, verb]),
		"path": array.concat(r.path, ["verbs", i]),
	}
}
