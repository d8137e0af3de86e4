package vigil.checks.terraform.aws.dynamodb_pitr_test

import data.vigil.checks.terraform.aws.dynamodb_pitr as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_dynamodb_table", "t", {"hash_key": "id"}]])
	r == {{"msg": "'aws_dynamodb_table.t' does not enable point-in-time recovery", "path": ["resources", 0, "config"]}}
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_dynamodb_table", "t", {"point_in_time_recovery": [{"enabled": true}]}]])
}
