package vigil.checks.kubernetes.anonymous_binding_test

import data.vigil.checks.kubernetes.anonymous_binding as check
import rego.v1

test_anonymous if {
	r := check.deny with input as {"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"name": "view"}, "subjects": [{"kind": "Group", "name": "system:unauthenticated"}]}
	r == {{"msg": "ClusterRoleBinding 'b' binds role 'view' to system:unauthenticated", "path": ["subjects", 0, "name"]}}
}

test_authenticated if {
	count(check.deny) == 0 with input as {"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"name": "view"}, "subjects": [{"kind": "Group", "name": "devs"}]}
}
