package vigil.checks.terraform.aws.sns_encryption_test

import data.vigil.checks.terraform.aws.sns_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_sns_topic", "t", {"name": "t"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_kms if {
	count(check.deny) == 0 with input as f.tf([["aws_sns_topic", "t", {"kms_master_key_id": "alias/aws/sns"}]])
}
