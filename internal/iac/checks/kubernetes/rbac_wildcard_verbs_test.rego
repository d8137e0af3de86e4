package vigil.checks.kubernetes.rbac_wildcard_verbs_test

import data.vigil.checks.kubernetes.rbac_wildcard_verbs as check
import rego.v1

test_wildcard if {
	r := check.deny with input as {"kind": "ClusterRole", "metadata": {"name": "ops"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}, {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}]}
	r == {{"msg": "ClusterRole 'ops' grants all verbs ('*')", "path": ["rules", 1, "verbs", 0]}}
}

test_explicit if {
	count(check.deny) == 0 with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}
}
