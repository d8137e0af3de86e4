package vigil.checks.kubernetes.env_secret_test

import data.vigil.checks.kubernetes.env_secret as check
import data.vigil.lib.fixtures as f
import rego.v1

test_literal if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "github_token", "value": "x"}]}]})
	{x.path | some x in r} == {["spec", "containers", 0, "env", 1, "value"], ["spec", "containers", 0, "env", 2, "value"]}
}

test_secret_ref_and_benign if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "env": [
		{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
		{"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"},
		{"name": "API_KEY", "value": ""},
		{"name": "TOKEN", "value": "$(OTHER_VAR)"},
	]}]})
}
