package vigil.checks.terraform.aws.lambda_url_public_test

import data.vigil.checks.terraform.aws.lambda_url_public as check
import data.vigil.lib.fixtures as f
import rego.v1

test_none if {
	r := check.deny with input as f.tf([["aws_lambda_function_url", "u", {"authorization_type": "NONE"}]])
	[x.path | some x in r] == [["resources", 0, "config", "authorization_type"]]
}

test_iam if {
	count(check.deny) == 0 with input as f.tf([["aws_lambda_function_url", "u", {"authorization_type": "AWS_IAM"}]])
}
