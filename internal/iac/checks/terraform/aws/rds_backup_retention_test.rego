package vigil.checks.terraform.aws.rds_backup_retention_test

import data.vigil.checks.terraform.aws.rds_backup_retention as check
import data.vigil.lib.fixtures as f
import rego.v1

test_zero if {
	r := check.deny with input as f.tf([["aws_db_instance", "db", {"backup_retention_period": "0"}]])
	[x.path | some x in r] == [["resources", 0, "config", "backup_retention_period"]]
}

test_retained_or_default if {
	count(check.deny) == 0 with input as f.tf([["aws_db_instance", "db", {"backup_retention_period": 7}], ["aws_rds_cluster", "c", {}], ["aws_db_instance", "r", {"backup_retention_period": 0, "replicate_source_db": "db"}]])
}
