package vigil.checks.dockerfile.apt_update_alone_test

import data.vigil.checks.dockerfile.apt_update_alone as check
import data.vigil.lib.fixtures as f
import rego.v1

test_alone if {
	r := check.deny with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update"], ["run", "apt-get install -y curl"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_combined if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get install -y curl"]])
}
