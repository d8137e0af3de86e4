package vigil.checks.terraform.aws.docdb_neptune_encryption_test

import data.vigil.checks.terraform.aws.docdb_neptune_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_docdb_cluster", "d", {}], ["aws_neptune_cluster", "n", {"storage_encrypted": false}]])
	count(r) == 2
}

test_encrypted if {
	count(check.deny) == 0 with input as f.tf([["aws_docdb_cluster", "d", {"storage_encrypted": true}]])
}
