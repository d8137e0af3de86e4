# METADATA
# title: S3 bucket versioning not enabled
# description: >-
#   Without versioning an overwritten or deleted object (by mistake or by ransomware) cannot be recovered.
# custom:
#   id: VGL-AWS-004
#   severity: MEDIUM
#   input: terraform
#   remediation: Enable versioning (aws_s3_bucket_versioning with status Enabled).
#   references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"]
#   controls: {}
package vigil.checks.terraform.aws.s3_versioning

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_s3_bucket")
	not inline_enabled(x)
	not inline_unknown(x)
	not resource_enabled(x)
	not tf.unresolved("aws_s3_bucket_versioning", "bucket")
	res := {"msg": sprintf("S3 bucket '%s' does not enable versioning", [tf.label(x)]), "path": tf.block_attr_path(x, "versioning", "enabled")}
}

inline_enabled(x) if tf.attr_true(tf.block0(x.cfg, "versioning"), "enabled")

inline_unknown(x) if tf.is_unknown(tf.block0(x.cfg, "versioning"), "enabled")

# Enabled, or unknown (unresolved) status.
resource_enabled(x) if {
	some v in tf.referencing("aws_s3_bucket_versioning", "bucket", x)
	some c in tf.blocks(v.cfg, "versioning_configuration")
	object.get(c, "status", "") in {"Enabled", null}
}
