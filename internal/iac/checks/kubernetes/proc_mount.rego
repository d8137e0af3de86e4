# METADATA
# title: Container uses an unmasked /proc
# description: procMount Unmasked exposes /proc paths the runtime normally masks (kernel data, host information).
# custom:
#   id: VGL-K8S-036
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove securityContext.procMount or set it to Default.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline}
package vigil.checks.kubernetes.proc_mount

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	pm := ctr.container.securityContext.procMount
	is_string(pm)
	pm != "Default"
	res := {
		"msg": sprintf("%s sets procMount %s", [k8s.container_label(ctr), pm]),
		"path": array.concat(ctr.path, ["securityContext", "procMount"]),
	}
}
