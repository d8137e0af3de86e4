package vigil.checks.dockerfile.apt_no_yes_test

import data.vigil.checks.dockerfile.apt_no_yes as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get install --no-install-recommends curl"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_yes if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get install -qy curl && apt-get --yes install git && apt-get install --assume-yes vim"]])
}
