package vigil.checks.dockerfile.apt_lists_cleanup_test

import data.vigil.checks.dockerfile.apt_lists_cleanup as check
import data.vigil.lib.fixtures as f
import rego.v1

test_no_cleanup if {
	r := check.deny with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get install -y --no-install-recommends curl"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_cleanup if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*"]])
}

test_build_stage_not_shipped if {
	inp := {
		"stages": [{"name": "build", "from": {"image": "debian", "tag": "12"}}, {"name": "", "from": {"image": "scratch", "tag": ""}}],
		"instructions": [{"cmd": "run", "value": "apt-get install -y gcc", "args": [], "flags": [], "stage": 0}],
	}
	count(check.deny) == 0 with input as inp
}
