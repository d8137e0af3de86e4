# METADATA
# title: Binding grants access to anonymous or unauthenticated users
# description: Binding a role to system:anonymous or system:unauthenticated gives it to everyone who can reach the API server.
# custom:
#   id: VGL-K8S-047
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove the system:anonymous / system:unauthenticated subject.
#   references: ["https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles"]
#   controls: {}
package vigil.checks.kubernetes.anonymous_binding

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	input.kind in {"ClusterRoleBinding", "RoleBinding"}
	not startswith(k8s.name, "system:")
	some i, s in input.subjects
	s.name in {"system:anonymous", "system:unauthenticated"}
	res := {
		"msg": sprintf("%s binds role '%v' to %s", [k8s.label, object.get(input, ["roleRef", "name"], ""), s.name]),
		"path": ["subjects", i, "name"],
	}
}
