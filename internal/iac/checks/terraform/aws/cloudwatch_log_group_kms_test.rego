package vigil.checks.terraform.aws.cloudwatch_log_group_kms_test

import data.vigil.checks.terraform.aws.cloudwatch_log_group_kms as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_cloudwatch_log_group", "g", {"name": "g"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_kms if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudwatch_log_group", "g", {"kms_key_id": "aws_kms_key.logs.arn"}]])
}
