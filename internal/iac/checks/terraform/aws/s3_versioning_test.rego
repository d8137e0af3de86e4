package vigil.checks.terraform.aws.s3_versioning_test

import data.vigil.checks.terraform.aws.s3_versioning as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}]])
	r == {{"msg": "S3 bucket 'aws_s3_bucket.a' does not enable versioning", "path": ["resources", 0, "config"]}}
}

test_inline_disabled if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "a", {"versioning": [{"enabled": false}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "versioning", 0, "enabled"]]
}

test_resource_suspended if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "a", {}], ["aws_s3_bucket_versioning", "a", {"bucket": "aws_s3_bucket.a.id", "versioning_configuration": [{"status": "Suspended"}]}]])
	count(r) == 1
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {"versioning": [{"enabled": true}]}]])
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {}], ["aws_s3_bucket_versioning", "a", {"bucket": "aws_s3_bucket.a.id", "versioning_configuration": [{"status": "Enabled"}]}]])
}
