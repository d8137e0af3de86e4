package vigil.checks.terraform.aws.rds_public_test

import data.vigil.checks.terraform.aws.rds_public as check
import data.vigil.lib.fixtures as f
import rego.v1

test_public if {
	r := check.deny with input as f.tf([["aws_db_instance", "db", {"publicly_accessible": true}], ["aws_rds_cluster_instance", "i", {"publicly_accessible": "true"}]])
	{x.path | some x in r} == {["resources", 0, "config", "publicly_accessible"], ["resources", 1, "config", "publicly_accessible"]}
}

test_private if {
	count(check.deny) == 0 with input as f.tf([["aws_db_instance", "db", {"publicly_accessible": false}], ["aws_db_instance", "db2", {}]])
}
