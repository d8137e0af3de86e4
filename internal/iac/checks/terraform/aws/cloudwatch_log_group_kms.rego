# METADATA
# title: CloudWatch log group not encrypted with KMS
# description: >-
#   Without kms_key_id the log group uses the service-managed key; a customer managed key controls who can read the logs.
# custom:
#   id: VGL-AWS-026
#   severity: LOW
#   input: terraform
#   remediation: Set kms_key_id to a customer managed KMS key (with a key policy allowing CloudWatch Logs).
#   references: ["https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"]
#   controls: {}
package vigil.checks.terraform.aws.cloudwatch_log_group_kms

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudwatch_log_group")
	not tf.has_key(x.cfg, "kms_key_id")
	res := {"msg": sprintf("Log group '%s' is not encrypted with a KMS key", [tf.label(x)]), "path": x.cfg_path}
}
