package vigil.checks.terraform.aws.cloudtrail_multi_region_test

import data.vigil.checks.terraform.aws.cloudtrail_multi_region as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_cloudtrail", "t", {"name": "t"}], ["aws_cloudtrail", "u", {"is_multi_region_trail": false}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "is_multi_region_trail"]}
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudtrail", "t", {"is_multi_region_trail": true}]])
}
