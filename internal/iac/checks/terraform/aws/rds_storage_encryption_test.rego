package vigil.checks.terraform.aws.rds_storage_encryption_test

import data.vigil.checks.terraform.aws.rds_storage_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing_and_false if {
	r := check.deny with input as f.tf([["aws_db_instance", "db", {"engine": "postgres"}], ["aws_rds_cluster", "c", {"storage_encrypted": false}]])
	r == {
		{"msg": "'aws_db_instance.db' does not encrypt its storage", "path": ["resources", 0, "config"]},
		{"msg": "'aws_rds_cluster.c' does not encrypt its storage", "path": ["resources", 1, "config", "storage_encrypted"]},
	}
}

test_encrypted_unknown_or_replica if {
	count(check.deny) == 0 with input as f.tf([
		["aws_db_instance", "a", {"storage_encrypted": true}],
		["aws_db_instance", "b", {"storage_encrypted": null}],
		["aws_db_instance", "c", {"replicate_source_db": "aws_db_instance.a.identifier"}],
		["aws_rds_cluster", "d", {"engine_mode": "serverless"}],
	])
}
