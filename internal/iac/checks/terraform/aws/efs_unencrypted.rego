# METADATA
# title: EFS file system not encrypted
# description: >-
#   encrypted is false or missing (the default is false), so file data is stored unencrypted at rest.
# custom:
#   id: VGL-AWS-016
#   severity: HIGH
#   input: terraform
#   remediation: Set encrypted to true (optionally with kms_key_id); encryption can only be chosen at creation.
#   references: ["https://docs.aws.amazon.com/efs/latest/ug/encryption.html"]
#   controls: {cis_aws: "2.4.1"}
package vigil.checks.terraform.aws.efs_unencrypted

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_efs_file_system")
	tf.missing_or_false(x.cfg, "encrypted")
	res := {"msg": sprintf("EFS file system '%s' is not encrypted", [tf.label(x)]), "path": tf.attr_path(x, "encrypted")}
}
