package vigil.checks.kubernetes.rbac_exec_test

import data.vigil.checks.kubernetes.rbac_exec as check
import rego.v1

test_exec if {
	r := check.deny with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods", "pods/exec"], "verbs": ["create"]}]}
	r == {{"msg": "Role 'r' allows pods/exec", "path": ["rules", 0, "resources", 1]}}
}

test_logs_only if {
	count(check.deny) == 0 with input as {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get"]}]}
}
