package vigil.checks.dockerfile.sudo_test

import data.vigil.checks.dockerfile.sudo as check
import data.vigil.lib.fixtures as f
import rego.v1

test_sudo if {
	r := check.deny with input as f.dockerfile([["from", "ubuntu:24.04"], ["run", "echo a && sudo apt-get update"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_mention_only if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "ubuntu:24.04"], ["run", "apt-get purge -y sudo"]])
}
