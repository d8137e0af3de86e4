package vigil.checks.terraform.aws.redshift_public_test

import data.vigil.checks.terraform.aws.redshift_public as check
import data.vigil.lib.fixtures as f
import rego.v1

test_public if {
	r := check.deny with input as f.tf([["aws_redshift_cluster", "c", {"publicly_accessible": true}]])
	[x.path | some x in r] == [["resources", 0, "config", "publicly_accessible"]]
}

test_private if {
	count(check.deny) == 0 with input as f.tf([["aws_redshift_cluster", "c", {"publicly_accessible": false}], ["aws_redshift_cluster", "d", {}]])
}
