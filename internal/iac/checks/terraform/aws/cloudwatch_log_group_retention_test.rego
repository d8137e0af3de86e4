package vigil.checks.terraform.aws.cloudwatch_log_group_retention_test

import data.vigil.checks.terraform.aws.cloudwatch_log_group_retention as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing_or_zero if {
	r := check.deny with input as f.tf([["aws_cloudwatch_log_group", "g", {}], ["aws_cloudwatch_log_group", "h", {"retention_in_days": 0}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "retention_in_days"]}
}

test_set if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudwatch_log_group", "g", {"retention_in_days": "30"}], ["aws_cloudwatch_log_group", "u", {"retention_in_days": null}]])
}
