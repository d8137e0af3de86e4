package vigil.checks.kubernetes.rbac_create_pods_test

import data.vigil.checks.kubernetes.rbac_create_pods as check
import rego.v1

test_create if {
	r := check.deny with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "create"]}]}
	[x.path | some x in r] == [["rules", 0, "resources", 0]]
}

test_read if {
	count(check.deny) == 0 with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}
}
