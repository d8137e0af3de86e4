# METADATA
# title: Test privileged container
# description: A container runs privileged.
# custom:
#   id: VGL-TEST-001
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove securityContext.privileged.
#   references: ["https://example.com/privileged"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.1"}
package vigil.checks.kubernetes.test_privileged

import rego.v1

deny contains res if {
	some i, c in input.spec.template.spec.containers
	c.securityContext.privileged == true
	res := {
		"msg": sprintf("container %q is privileged", [c.name]),
		"path": ["spec", "template", "spec", "containers", i, "securityContext", "privileged"],
	}
}

# a missing field: points at the nearest existing parent
deny contains res if {
	some i, c in input.spec.template.spec.containers
	not c.securityContext.runAsNonRoot
	res := {
		"msg": sprintf("container %q may run as root", [c.name]),
		"path": ["spec", "template", "spec", "containers", i, "securityContext", "runAsNonRoot"],
	}
}
