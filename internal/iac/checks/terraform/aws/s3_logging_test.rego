package vigil.checks.terraform.aws.s3_logging_test

import data.vigil.checks.terraform.aws.s3_logging as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_logging_and_log_bucket if {
	count(check.deny) == 0 with input as f.tf([
		["aws_s3_bucket", "a", {"bucket": "a"}],
		["aws_s3_bucket", "logs", {"bucket": "logs"}],
		["aws_s3_bucket_logging", "a", {"bucket": "aws_s3_bucket.a.id", "target_bucket": "aws_s3_bucket.logs.id", "target_prefix": "a/"}],
	])
}
