package vigil.checks.kubernetes.rbac_escalate_test

import data.vigil.checks.kubernetes.rbac_escalate as check
import rego.v1

test_impersonate if {
	r := check.deny with input as {"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}]}
	r == {{"msg": "ClusterRole 'r' grants the impersonate verb", "path": ["rules", 0, "verbs", 0]}}
}

test_plain if {
	count(check.deny) == 0 with input as {"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["get"]}]}
}
