package vigil.checks.dockerfile.run_cd_test

import data.vigil.checks.dockerfile.run_cd as check
import data.vigil.lib.fixtures as f
import rego.v1

test_cd if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "cd /src && make"]])
	r == {{"msg": "RUN starts with 'cd /src': use WORKDIR", "path": ["instructions", 1]}}
}

test_workdir if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["workdir", "/src"], ["run", "make && (cd docs; make)"]])
}
