# METADATA
# title: Object placed in the default namespace
# description: >-
#   The default namespace has no dedicated RBAC, quotas or network policies;
#   workloads there are harder to isolate. Only an explicit "default" is
#   reported (a missing namespace is usually set at deploy time).
# custom:
#   id: VGL-K8S-032
#   severity: LOW
#   input: kubernetes
#   remediation: Deploy into a dedicated namespace.
#   references: ["https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"]
#   controls: {cis_kubernetes: "5.7.4"}
package vigil.checks.kubernetes.default_namespace

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	k8s.namespace == "default"
	res := {
		"msg": sprintf("%s is in the default namespace", [k8s.label]),
		"path": ["metadata", "namespace"],
	}
}
