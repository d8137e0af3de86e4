# METADATA
# title: Test root user
# description: The last USER of the final stage is root.
# custom:
#   id: VGL-TEST-003
#   severity: LOW
#   input: dockerfile
#   remediation: Add a USER instruction with a non-root user.
package vigil.checks.dockerfile.test_root

import data.vigil.lib.testlib
import rego.v1

deny contains res if {
	some i, ins in input.instructions
	ins.cmd == "user"
	testlib.is_root(ins.value)
	res := {"msg": "runs as root", "path": ["instructions", i]}
}

# bare string result: no path, points at the document
deny contains "bare string result" if {
	count(input.stages) > 5
}
