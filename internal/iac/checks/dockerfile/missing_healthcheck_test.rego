package vigil.checks.dockerfile.missing_healthcheck_test

import data.vigil.checks.dockerfile.missing_healthcheck as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["cmd", "app"]])
	r == {{"msg": "The final stage has no HEALTHCHECK", "path": ["stages", 0, "from"]}}
}

test_present if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["healthcheck", "CMD wget -q localhost/healthz"]])
}
