package vigil.checks.kubernetes.rbac_wildcard_resources_test

import data.vigil.checks.kubernetes.rbac_wildcard_resources as check
import rego.v1

test_wildcard if {
	r := check.deny with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]}
	[x.path | some x in r] == [["rules", 0, "resources", 0]]
}

test_explicit if {
	count(check.deny) == 0 with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}]}
}
