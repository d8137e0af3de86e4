# METADATA
# title: Binding grants cluster-admin
# description: >-
#   cluster-admin is unrestricted superuser access to the cluster; bind it only
#   to break-glass identities, never to workloads or broad groups.
# custom:
#   id: VGL-K8S-029
#   severity: HIGH
#   input: kubernetes
#   remediation: Bind a role with only the permissions the subject needs.
#   references: ["https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles"]
#   controls: {cis_kubernetes: "5.1.1"}
package vigil.checks.kubernetes.cluster_admin_binding

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	input.kind in {"ClusterRoleBinding", "RoleBinding"}
	input.roleRef.name == "cluster-admin"
	not startswith(k8s.name, "system:")
	res := {
		"msg": sprintf("%s binds the cluster-admin role", [k8s.label]),
		"path": ["roleRef", "name"],
	}
}
