package vigil.checks.terraform.aws.elasticache_encryption_test

import data.vigil.checks.terraform.aws.elasticache_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_elasticache_replication_group", "r", {"at_rest_encryption_enabled": true}]])
	[x.msg | some x in r] == ["ElastiCache replication group 'aws_elasticache_replication_group.r' does not set transit_encryption_enabled"]
}

test_encrypted if {
	count(check.deny) == 0 with input as f.tf([["aws_elasticache_replication_group", "r", {"at_rest_encryption_enabled": true, "transit_encryption_enabled": "true"}]])
}
