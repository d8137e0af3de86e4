package vigil.checks.dockerfile.pip_no_cache_test

import data.vigil.checks.dockerfile.pip_no_cache as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.dockerfile([["from", "python:3.12"], ["run", "python3 -m pip install -r requirements.txt"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_no_cache if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "python:3.12"], ["run", "pip install --no-cache-dir -r requirements.txt"], ["run", "pip download x"]])
}
