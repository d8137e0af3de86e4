package vigil.checks.terraform.aws.cloudtrail_log_validation_test

import data.vigil.checks.terraform.aws.cloudtrail_log_validation as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_cloudtrail", "t", {"name": "t"}], ["aws_cloudtrail", "u", {"enable_log_file_validation": false}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "enable_log_file_validation"]}
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudtrail", "t", {"enable_log_file_validation": true}]])
}
