package vigil.checks.terraform.aws.ebs_default_encryption_test

import data.vigil.checks.terraform.aws.ebs_default_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_disabled if {
	r := check.deny with input as f.tf([["aws_ebs_encryption_by_default", "this", {"enabled": false}]])
	[x.path | some x in r] == [["resources", 0, "config", "enabled"]]
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_ebs_encryption_by_default", "this", {"enabled": true}], ["aws_ebs_encryption_by_default", "d", {}]])
}
