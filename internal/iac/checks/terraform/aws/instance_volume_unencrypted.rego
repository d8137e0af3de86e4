# METADATA
# title: EC2 instance volume not encrypted
# description: >-
#   The instance's root_block_device or ebs_block_device does not set encrypted = true, so its data is stored unencrypted unless the account encrypts by default. Not reported when the module enables aws_ebs_encryption_by_default.
# custom:
#   id: VGL-AWS-048
#   severity: MEDIUM
#   input: terraform
#   remediation: Set encrypted = true in root_block_device and every ebs_block_device, or enable EBS encryption by default.
#   references: ["https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html"]
#   controls: {cis_aws: "2.2.1"}
package vigil.checks.terraform.aws.instance_volume_unencrypted

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	not default_encryption
	some x in tf.resources_of("aws_instance")
	count(tf.blocks(x.cfg, "root_block_device")) == 0
	res := {"msg": sprintf("Instance '%s' does not encrypt its root volume", [tf.label(x)]), "path": x.cfg_path}
}

deny contains res if {
	not default_encryption
	some x in tf.resources_of("aws_instance")
	some block in ["root_block_device", "ebs_block_device"]
	some j, b in tf.blocks(x.cfg, block)
	tf.missing_or_false(b, "encrypted")
	not tf.has_key(b, "snapshot_id")
	res := {"msg": sprintf("Instance '%s' does not encrypt a volume (%s)", [tf.label(x), block]), "path": block_path(x, block, j, b)}
}

block_path(x, block, j, b) := array.concat(x.cfg_path, [block, j, "encrypted"]) if tf.has_key(b, "encrypted")

else := array.concat(x.cfg_path, [block, j])

# Account-level default EBS encryption declared in the module (enabled defaults to true).
default_encryption if {
	some d in tf.resources_of("aws_ebs_encryption_by_default")
	not tf.attr_false(d.cfg, "enabled")
}
