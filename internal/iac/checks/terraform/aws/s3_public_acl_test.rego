package vigil.checks.terraform.aws.s3_public_acl_test

import data.vigil.checks.terraform.aws.s3_public_acl as check
import data.vigil.lib.fixtures as f
import rego.v1

test_inline_acl if {
	r := check.deny with input as f.tf([["aws_s3_bucket", "site", {"bucket": "site", "acl": "public-read"}]])
	r == {{"msg": "S3 bucket 'aws_s3_bucket.site' has public ACL 'public-read'", "path": ["resources", 0, "config", "acl"]}}
}

test_acl_resource if {
	r := check.deny with input as f.tf([
		["aws_s3_bucket", "site", {"bucket": "site"}],
		["aws_s3_bucket_acl", "site", {"bucket": "aws_s3_bucket.site.id", "acl": "public-read-write"}],
	])
	[x.path | some x in r] == [["resources", 1, "config", "acl"]]
}

test_grant_all_users if {
	r := check.deny with input as f.tf([["aws_s3_bucket_acl", "a", {"bucket": "b", "access_control_policy": [{"grant": [{"permission": "READ", "grantee": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}]}]}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "access_control_policy", 0, "grant", 0, "grantee", 0, "uri"]]
}

test_private if {
	count(check.deny) == 0 with input as f.tf([
		["aws_s3_bucket", "a", {"bucket": "a", "acl": "private"}],
		["aws_s3_bucket_acl", "a", {"bucket": "aws_s3_bucket.a.id", "acl": "log-delivery-write"}],
	])
}

test_ignored_by_public_access_block if {
	count(check.deny) == 0 with input as f.tf([
		["aws_s3_bucket", "a", {"bucket": "a", "acl": "public-read"}],
		["aws_s3_bucket_public_access_block", "a", {"bucket": "${aws_s3_bucket.a.id}", "ignore_public_acls": true}],
	])
}
