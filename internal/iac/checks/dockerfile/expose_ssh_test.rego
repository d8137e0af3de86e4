package vigil.checks.dockerfile.expose_ssh_test

import data.vigil.checks.dockerfile.expose_ssh as check
import data.vigil.lib.fixtures as f
import rego.v1

test_ssh if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["expose", "80 22/tcp"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_other if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["expose", "8022 2222 443"]])
}
