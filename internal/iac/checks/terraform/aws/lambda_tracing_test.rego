package vigil.checks.terraform.aws.lambda_tracing_test

import data.vigil.checks.terraform.aws.lambda_tracing as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_lambda_function", "f", {}], ["aws_lambda_function", "g", {"tracing_config": [{"mode": "PassThrough"}]}]])
	count(r) == 2
}

test_active if {
	count(check.deny) == 0 with input as f.tf([["aws_lambda_function", "f", {"tracing_config": [{"mode": "Active"}]}]])
}
