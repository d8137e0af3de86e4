# METADATA
# title: Windows HostProcess container
# description: HostProcess containers run directly on the Windows host with host-level privileges.
# custom:
#   id: VGL-K8S-042
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove securityContext.windowsOptions.hostProcess.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.11"}
package vigil.checks.kubernetes.host_process

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	k8s.is_true(pod.spec.securityContext.windowsOptions.hostProcess)
	res := {
		"msg": sprintf("%s runs as a Windows HostProcess pod", [k8s.label]),
		"path": array.concat(pod.path, ["securityContext", "windowsOptions", "hostProcess"]),
	}
}

deny contains res if {
	some ctr in k8s.containers
	k8s.is_true(ctr.container.securityContext.windowsOptions.hostProcess)
	res := {
		"msg": sprintf("%s runs as a Windows HostProcess container", [k8s.container_label(ctr)]),
		"path": array.concat(ctr.path, ["securityContext", "windowsOptions", "hostProcess"]),
	}
}
