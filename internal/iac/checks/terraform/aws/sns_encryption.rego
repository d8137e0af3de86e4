# METADATA
# title: SNS topic not encrypted
# description: >-
#   Without kms_master_key_id messages are stored unencrypted at rest.
# custom:
#   id: VGL-AWS-028
#   severity: MEDIUM
#   input: terraform
#   remediation: Set kms_master_key_id (alias/aws/sns or a customer managed key).
#   references: ["https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html"]
#   controls: {}
package vigil.checks.terraform.aws.sns_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_sns_topic")
	not tf.has_key(x.cfg, "kms_master_key_id")
	res := {"msg": sprintf("SNS topic '%s' is not encrypted", [tf.label(x)]), "path": x.cfg_path}
}
