package vigil.checks.terraform.aws.rds_auto_minor_upgrade_test

import data.vigil.checks.terraform.aws.rds_auto_minor_upgrade as check
import data.vigil.lib.fixtures as f
import rego.v1

test_disabled if {
	r := check.deny with input as f.tf([["aws_db_instance", "d", {"auto_minor_version_upgrade": false}]])
	[x.path | some x in r] == [["resources", 0, "config", "auto_minor_version_upgrade"]]
}

test_default if {
	count(check.deny) == 0 with input as f.tf([["aws_db_instance", "d", {}], ["aws_db_instance", "e", {"auto_minor_version_upgrade": true}]])
}
