# METADATA
# title: S3 bucket access logging not enabled
# description: >-
#   Without server access logging there is no record of requests to the bucket for incident response. Buckets that receive access logs from other buckets are not reported.
# custom:
#   id: VGL-AWS-005
#   severity: LOW
#   input: terraform
#   remediation: Enable access logging (aws_s3_bucket_logging) to a dedicated log bucket.
#   references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"]
#   controls: {}
package vigil.checks.terraform.aws.s3_logging

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_s3_bucket")
	count(tf.blocks(x.cfg, "logging")) == 0
	count(tf.referencing("aws_s3_bucket_logging", "bucket", x)) == 0
	not tf.unresolved("aws_s3_bucket_logging", "bucket")
	not log_target(x)
	res := {"msg": sprintf("S3 bucket '%s' does not enable access logging", [tf.label(x)]), "path": x.cfg_path}
}

log_target(x) if count(tf.referencing("aws_s3_bucket_logging", "target_bucket", x)) > 0

log_target(x) if {
	some y in tf.resources_of("aws_s3_bucket")
	some l in tf.blocks(y.cfg, "logging")
	tf.refers(l.target_bucket, x)
}
