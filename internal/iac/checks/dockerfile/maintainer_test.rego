package vigil.checks.dockerfile.maintainer_test

import data.vigil.checks.dockerfile.maintainer as check
import data.vigil.lib.fixtures as f
import rego.v1

test_maintainer if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["maintainer", "me@example.com"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_label if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["label", "org.opencontainers.image.authors=me@example.com"]])
}
