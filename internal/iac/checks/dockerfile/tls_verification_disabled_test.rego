package vigil.checks.dockerfile.tls_verification_disabled_test

import data.vigil.checks.dockerfile.tls_verification_disabled as check
import data.vigil.lib.fixtures as f
import rego.v1

test_insecure if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "curl -fsSLk https://x.example/a -o a"], ["run", "wget --no-check-certificate https://x"], ["run", "pip install --trusted-host pypi.internal x"]])
	{x.path | some x in r} == {["instructions", 1], ["instructions", 2], ["instructions", 3]}
}

test_env if {
	inp := {"stages": [{"name": "", "from": {"image": "node", "tag": "22"}}], "instructions": [{"cmd": "env", "args": ["NODE_TLS_REJECT_UNAUTHORIZED", "0"], "stage": 0}]}
	r := check.deny with input as inp
	[x.path | some x in r] == [["instructions", 0]]
}

test_verified if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["run", "curl -fsSL https://x.example/a -o a && wget -q https://x"]])
}
