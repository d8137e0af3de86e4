# METADATA
# title: S3 bucket without default encryption configuration
# description: >-
#   The bucket configures no server-side encryption (inline server_side_encryption_configuration or an aws_s3_bucket_server_side_encryption_configuration resource). S3 now applies SSE-S3 by default, but a declared configuration (ideally SSE-KMS) makes the intent explicit and auditable.
# custom:
#   id: VGL-AWS-003
#   severity: MEDIUM
#   input: terraform
#   remediation: Add aws_s3_bucket_server_side_encryption_configuration for the bucket (SSE-KMS with a customer managed key for sensitive data).
#   references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html"]
#   controls: {cis_aws: "2.1.1"}
package vigil.checks.terraform.aws.s3_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_s3_bucket")
	count(tf.blocks(x.cfg, "server_side_encryption_configuration")) == 0
	count(tf.referencing("aws_s3_bucket_server_side_encryption_configuration", "bucket", x)) == 0
	not tf.unresolved("aws_s3_bucket_server_side_encryption_configuration", "bucket")
	res := {"msg": sprintf("S3 bucket '%s' has no server-side encryption configuration", [tf.label(x)]), "path": x.cfg_path}
}
