# METADATA
# title: SQS queue encryption disabled
# description: >-
#   The queue disables SSE-SQS (sqs_managed_sse_enabled = false) and sets no KMS key, so messages are stored unencrypted. New queues use SSE-SQS by default, so an omitted attribute is not reported.
# custom:
#   id: VGL-AWS-029
#   severity: MEDIUM
#   input: terraform
#   remediation: Remove sqs_managed_sse_enabled = false or set kms_master_key_id.
#   references: ["https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html"]
#   controls: {}
package vigil.checks.terraform.aws.sqs_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_sqs_queue")
	tf.attr_false(x.cfg, "sqs_managed_sse_enabled")
	not tf.has_key(x.cfg, "kms_master_key_id")
	res := {"msg": sprintf("SQS queue '%s' is not encrypted", [tf.label(x)]), "path": array.concat(x.cfg_path, ["sqs_managed_sse_enabled"])}
}
