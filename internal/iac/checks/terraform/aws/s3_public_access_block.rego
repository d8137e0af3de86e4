# METADATA
# title: S3 bucket without a complete public access block
# description: >-
#   Without an aws_s3_bucket_public_access_block (or an account-level block) that sets block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets, a later ACL or policy change can expose the bucket. Unknown (unresolved) flags are not reported.
# custom:
#   id: VGL-AWS-002
#   severity: HIGH
#   input: terraform
#   remediation: Add aws_s3_bucket_public_access_block for the bucket with all four flags set to true.
#   references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"]
#   controls: {cis_aws: "2.1.5"}
package vigil.checks.terraform.aws.s3_public_access_block

import data.vigil.lib.terraform as tf
import rego.v1

flags := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

deny contains res if {
	not account_block
	some x in tf.resources_of("aws_s3_bucket")
	count(tf.referencing("aws_s3_bucket_public_access_block", "bucket", x)) == 0
	not tf.unresolved("aws_s3_bucket_public_access_block", "bucket")
	res := {"msg": sprintf("S3 bucket '%s' has no public access block", [tf.label(x)]), "path": x.cfg_path}
}

deny contains res if {
	not account_block
	some pab in tf.resources_of("aws_s3_bucket_public_access_block")
	some flag in flags
	tf.missing_or_false(pab.cfg, flag)
	res := {"msg": sprintf("Public access block '%s' does not set %s to true", [tf.label(pab), flag]), "path": tf.attr_path(pab, flag)}
}

# An account-level block with every flag true covers all buckets.
account_block if {
	some a in tf.resources_of("aws_s3_account_public_access_block")
	every flag in flags {
		tf.attr_true(a.cfg, flag)
	}
}
