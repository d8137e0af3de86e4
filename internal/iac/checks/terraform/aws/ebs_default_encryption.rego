# METADATA
# title: EBS encryption by default disabled
# description: >-
#   aws_ebs_encryption_by_default sets enabled = false, so new volumes in the region are created unencrypted unless each one asks for encryption.
# custom:
#   id: VGL-AWS-047
#   severity: MEDIUM
#   input: terraform
#   remediation: Set enabled to true.
#   references: ["https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html"]
#   controls: {cis_aws: "2.2.1"}
package vigil.checks.terraform.aws.ebs_default_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_ebs_encryption_by_default")
	tf.attr_false(x.cfg, "enabled")
	res := {"msg": sprintf("'%s' disables EBS encryption by default", [tf.label(x)]), "path": array.concat(x.cfg_path, ["enabled"])}
}
