package vigil.checks.terraform.aws.kinesis_encryption_test

import data.vigil.checks.terraform.aws.kinesis_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_none if {
	r := check.deny with input as f.tf([["aws_kinesis_stream", "s", {}], ["aws_kinesis_stream", "t", {"encryption_type": "NONE"}]])
	count(r) == 2
}

test_kms if {
	count(check.deny) == 0 with input as f.tf([["aws_kinesis_stream", "s", {"encryption_type": "KMS", "kms_key_id": "alias/aws/kinesis"}]])
}
