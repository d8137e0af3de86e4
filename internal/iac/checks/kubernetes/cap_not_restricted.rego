# METADATA
# title: Container adds a capability other than NET_BIND_SERVICE
# description: >-
#   The Restricted profile allows adding back only NET_BIND_SERVICE; other
#   default-set capabilities (CHOWN, SETUID, DAC_OVERRIDE ...) are Baseline only.
# custom:
#   id: VGL-K8S-008
#   severity: LOW
#   input: kubernetes
#   remediation: Remove the capability from securityContext.capabilities.add.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"]
#   controls: {pss: restricted, cis_kubernetes: "5.2.9"}
package vigil.checks.kubernetes.cap_not_restricted

import data.vigil.checks.kubernetes.cap_not_baseline
import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	some i, raw in ctr.container.securityContext.capabilities.add
	is_string(raw)
	cap := trim_prefix(upper(raw), "CAP_")
	cap_not_baseline.baseline[cap]
	cap != "NET_BIND_SERVICE"
	res := {
		"msg": sprintf("%s adds capability %s", [k8s.container_label(ctr), cap]),
		"path": array.concat(ctr.path, ["securityContext", "capabilities", "add", i]),
	}
}
