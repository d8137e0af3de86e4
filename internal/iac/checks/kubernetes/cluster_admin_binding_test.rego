package vigil.checks.kubernetes.cluster_admin_binding_test

import data.vigil.checks.kubernetes.cluster_admin_binding as check
import rego.v1

test_binding if {
	r := check.deny with input as {"kind": "ClusterRoleBinding", "metadata": {"name": "ci"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "ci"}]}
	r == {{"msg": "ClusterRoleBinding 'ci' binds the cluster-admin role", "path": ["roleRef", "name"]}}
}

test_other_role if {
	count(check.deny) == 0 with input as {"kind": "ClusterRoleBinding", "metadata": {"name": "ci"}, "roleRef": {"kind": "ClusterRole", "name": "view"}}
}

test_system_binding if {
	count(check.deny) == 0 with input as {"kind": "ClusterRoleBinding", "metadata": {"name": "system:masters-admin"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}}
}
