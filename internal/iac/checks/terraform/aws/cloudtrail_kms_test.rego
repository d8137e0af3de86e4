package vigil.checks.terraform.aws.cloudtrail_kms_test

import data.vigil.checks.terraform.aws.cloudtrail_kms as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_cloudtrail", "t", {"name": "t"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_kms if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudtrail", "t", {"kms_key_id": "aws_kms_key.trail.arn"}]])
}
