package vigil.checks.dockerfile.apt_upgrade_test

import data.vigil.checks.dockerfile.apt_upgrade as check
import data.vigil.lib.fixtures as f
import rego.v1

test_upgrade if {
	r := check.deny with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get -y dist-upgrade"]])
	r == {{"msg": "RUN upgrades packages in place (apt-get -y dist-upgrade)", "path": ["instructions", 1]}}
}

test_install_only if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get install -y --no-install-recommends curl"]])
}
