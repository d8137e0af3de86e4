# METADATA
# title: Kinesis stream not encrypted
# description: >-
#   encryption_type is not KMS (the default is NONE), so records are stored unencrypted.
# custom:
#   id: VGL-AWS-056
#   severity: MEDIUM
#   input: terraform
#   remediation: Set encryption_type = "KMS" and kms_key_id (alias/aws/kinesis or a customer managed key).
#   references: ["https://docs.aws.amazon.com/streams/latest/dev/server-side-encryption.html"]
#   controls: {}
package vigil.checks.terraform.aws.kinesis_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_kinesis_stream")
	not tf.is_unknown(x.cfg, "encryption_type")
	tf.upper_str(object.get(x.cfg, "encryption_type", "NONE")) != "KMS"
	res := {"msg": sprintf("Kinesis stream '%s' is not encrypted", [tf.label(x)]), "path": tf.attr_path(x, "encryption_type")}
}
