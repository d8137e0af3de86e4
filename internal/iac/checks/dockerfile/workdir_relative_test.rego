package vigil.checks.dockerfile.workdir_relative_test

import data.vigil.checks.dockerfile.workdir_relative as check
import data.vigil.lib.fixtures as f
import rego.v1

test_relative if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["workdir", "app"]])
	r == {{"msg": "WORKDIR app is relative", "path": ["instructions", 1]}}
}

test_absolute if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["workdir", "/app"], ["workdir", "$HOME/src"], ["workdir", "C:\\app"]])
}
