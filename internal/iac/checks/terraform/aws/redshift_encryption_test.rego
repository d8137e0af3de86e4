package vigil.checks.terraform.aws.redshift_encryption_test

import data.vigil.checks.terraform.aws.redshift_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_disabled if {
	r := check.deny with input as f.tf([["aws_redshift_cluster", "c", {"encrypted": "false"}]])
	[x.path | some x in r] == [["resources", 0, "config", "encrypted"]]
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_redshift_cluster", "c", {"encrypted": true}], ["aws_redshift_cluster", "d", {}]])
}
