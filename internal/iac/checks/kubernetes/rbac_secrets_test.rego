package vigil.checks.kubernetes.rbac_secrets_test

import data.vigil.checks.kubernetes.rbac_secrets as check
import rego.v1

test_list_secrets if {
	r := check.deny with input as {"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["list"]}]}
	r == {{"msg": "ClusterRole 'r' can read secrets", "path": ["rules", 0, "resources"]}}
}

test_named_or_write_only if {
	count(check.deny) == 0 with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [
		{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["tls"], "verbs": ["get"]},
		{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
	]}
}
