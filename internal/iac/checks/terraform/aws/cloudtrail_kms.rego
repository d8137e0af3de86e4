# METADATA
# title: CloudTrail logs not encrypted with KMS
# description: >-
#   Without kms_key_id the trail uses SSE-S3 only; SSE-KMS adds an access control on who can read the logs and an audit trail of decryption.
# custom:
#   id: VGL-AWS-019
#   severity: MEDIUM
#   input: terraform
#   remediation: Set kms_key_id to a customer managed KMS key.
#   references: ["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html"]
#   controls: {cis_aws: "3.7"}
package vigil.checks.terraform.aws.cloudtrail_kms

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudtrail")
	not tf.has_key(x.cfg, "kms_key_id")
	res := {"msg": sprintf("CloudTrail '%s' is not encrypted with a KMS key", [tf.label(x)]), "path": x.cfg_path}
}
