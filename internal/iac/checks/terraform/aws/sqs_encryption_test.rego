package vigil.checks.terraform.aws.sqs_encryption_test

import data.vigil.checks.terraform.aws.sqs_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_disabled if {
	r := check.deny with input as f.tf([["aws_sqs_queue", "q", {"sqs_managed_sse_enabled": false}]])
	[x.path | some x in r] == [["resources", 0, "config", "sqs_managed_sse_enabled"]]
}

test_default_or_kms if {
	count(check.deny) == 0 with input as f.tf([["aws_sqs_queue", "q", {}], ["aws_sqs_queue", "k", {"sqs_managed_sse_enabled": false, "kms_master_key_id": "alias/aws/sqs"}]])
}
