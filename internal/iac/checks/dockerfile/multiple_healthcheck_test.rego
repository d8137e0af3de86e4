package vigil.checks.dockerfile.multiple_healthcheck_test

import data.vigil.checks.dockerfile.multiple_healthcheck as check
import data.vigil.lib.fixtures as f
import rego.v1

test_multiple if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["healthcheck", "CMD a"], ["healthcheck", "CMD b"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_single if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["healthcheck", "CMD a"]])
}
