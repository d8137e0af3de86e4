package vigil.checks.dockerfile.test_root_test

import data.vigil.checks.dockerfile.test_root
import rego.v1

test_root_denied if {
	count(test_root.deny) == 1 with input as {"stages": [], "instructions": [{"cmd": "user", "value": "root"}]}
}

test_nonroot_allowed if {
	count(test_root.deny) == 0 with input as {"stages": [], "instructions": [{"cmd": "user", "value": "app"}]}
}
