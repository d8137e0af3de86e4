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

# The loader marks values that match a secret rule; the name does not matter,
# and a secret-looking name is then reported once, by the value.
test_value_matches_secret_rule if {
	aws := {"key": "SETTING", "rule": "aws-access-key-id", "title": "AWS access key ID", "match": "AKIA…"}
	ghp := {"key": "GITHUB_TOKEN", "rule": "github-pat", "title": "GitHub personal access token", "match": "ghp_…"}
	r := check.deny with input as doc([
		{"cmd": "from", "value": "alpine:3", "args": ["alpine:3"], "stage": 0},
		{"cmd": "env", "value": "SETTING=x LOG=info", "args": ["SETTING=x", "LOG=info"], "stage": 0, "secrets": [aws]},
		{"cmd": "arg", "value": "GITHUB_TOKEN=x", "args": ["GITHUB_TOKEN=x"], "stage": 0, "secrets": [ghp]},
		{"cmd": "env", "value": "PATH=/x", "args": ["PATH=/x"], "stage": 0, "secrets": []},
	])
	r == {
		{"msg": "ENV SETTING is set to a credential (AWS access key ID: AKIA…)", "path": ["instructions", 1]},
		{"msg": "ARG GITHUB_TOKEN is set to a credential (GitHub personal access token: ghp_…)", "path": ["instructions", 2]},
	}
}
