package vigil.checks.terraform.aws.s3_public_access_block_test

import data.vigil.checks.terraform.aws.s3_public_access_block as check
import data.vigil.lib.fixtures as f
import rego.v1

full := {"bucket": "aws_s3_bucket.a.id", "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}

test_missing if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}]])
	r == {{"msg": "S3 bucket 'aws_s3_bucket.a' has no public access block", "path": ["resources", 0, "config"]}}
}

test_partial if {
	r := check.deny with input as f.tf([
		["aws_s3_bucket", "a", {"bucket": "a"}],
		["aws_s3_bucket_public_access_block", "a", object.union(full, {"block_public_policy": false, "restrict_public_buckets": null})],
	])
	[x.path | some x in r] == [["resources", 1, "config", "block_public_policy"]]
}

test_other_bucket_block_does_not_count if {
	r := check.deny with input as f.tf([
		["aws_s3_bucket", "a", {"bucket": "a"}],
		["aws_s3_bucket", "ab", {"bucket": "ab"}],
		["aws_s3_bucket_public_access_block", "a", full],
	])
	[x.path | some x in r] == [["resources", 1, "config"]]
}

test_complete if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}], ["aws_s3_bucket_public_access_block", "a", full]])
}

test_account_level if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}], ["aws_s3_account_public_access_block", "this", object.remove(full, ["bucket"])]])
}

test_unresolved_reference_is_silent if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket", "a", {"bucket": "a"}], ["aws_s3_bucket_public_access_block", "a", object.union(full, {"bucket": null})]])
}
