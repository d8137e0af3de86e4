package vigil.checks.terraform.aws.s3_encryption_test

import data.vigil.checks.terraform.aws.s3_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_inline if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {"server_side_encryption_configuration": [{"rule": [{}]}]}]])
}

test_resource if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}], ["aws_s3_bucket_server_side_encryption_configuration", "a", {"bucket": "aws_s3_bucket.a.bucket"}]])
}
