package vigil.checks.terraform.aws.cloudtrail_cloudwatch_test

import data.vigil.checks.terraform.aws.cloudtrail_cloudwatch as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_cloudtrail", "t", {"name": "t"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_integrated if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudtrail", "t", {"cloud_watch_logs_group_arn": "${aws_cloudwatch_log_group.t.arn}:*"}]])
}
