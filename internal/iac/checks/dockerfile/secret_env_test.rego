package vigil.checks.dockerfile.secret_env_test

import data.vigil.checks.dockerfile.secret_env as check
import rego.v1

doc(ins) := {"stages": [{"name": "", "from": {"image": "alpine", "tag": "3", "digest": ""}}], "instructions": ins}

test_flat_pairs if {
	r := check.deny with input as doc([
		{"cmd": "from", "value": "alpine:3", "args": ["alpine:3"], "stage": 0},
		{"cmd": "env", "value": "DB_PASSWORD=hunter2 LOG=info", "args": ["DB_PASSWORD", "hunter2", "LOG", "info"], "stage": 0},
		{"cmd": "arg", "value": "GITHUB_TOKEN=ghp_x", "args": ["GITHUB_TOKEN", "ghp_x"], "stage": 0},
	])
	r == {
		{"msg": "ENV sets DB_PASSWORD to a literal value", "path": ["instructions", 1]},
		{"msg": "ARG sets GITHUB_TOKEN to a literal value", "path": ["instructions", 2]},
	}
}

test_kv_words if {
	r := check.deny with input as doc([{"cmd": "env", "value": "AWS_SECRET_ACCESS_KEY=abc", "args": ["AWS_SECRET_ACCESS_KEY=abc"], "stage": 0}])
	count(r) == 1
}

test_no_value_reference_or_benign if {
	count(check.deny) == 0 with input as doc([
		{"cmd": "arg", "value": "NPM_TOKEN", "args": ["NPM_TOKEN", ""], "stage": 0},
		{"cmd": "arg", "value": "NPM_TOKEN", "args": ["NPM_TOKEN"], "stage": 0},
		{"cmd": "env", "value": "NPM_TOKEN=${NPM_TOKEN}", "args": ["NPM_TOKEN", "${NPM_TOKEN}"], "stage": 0},
		{"cmd": "env", "value": "PASSWORD_FILE=/run/secrets/pw", "args": ["PASSWORD_FILE", "/run/secrets/pw"], "stage": 0},
		{"cmd": "env", "value": "PATH=/x", "args": ["PATH", "/x"], "stage": 0},
		{"cmd": "env", "value": "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "args": ["GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"], "stage": 0},
	])
}
