# METADATA
# title: EBS volume not encrypted
# description: >-
#   encrypted is false or missing on an aws_ebs_volume, so the volume and its snapshots are stored unencrypted. Not reported when the module enables EBS encryption by default or the volume is created from a snapshot.
# custom:
#   id: VGL-AWS-015
#   severity: HIGH
#   input: terraform
#   remediation: Set encrypted to true (optionally with kms_key_id), or enable aws_ebs_encryption_by_default.
#   references: ["https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html"]
#   controls: {cis_aws: "2.2.1"}
package vigil.checks.terraform.aws.ebs_unencrypted

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	not default_encryption
	some x in tf.resources_of("aws_ebs_volume")
	tf.missing_or_false(x.cfg, "encrypted")
	not tf.has_key(x.cfg, "snapshot_id")
	res := {"msg": sprintf("EBS volume '%s' is not encrypted", [tf.label(x)]), "path": tf.attr_path(x, "encrypted")}
}

# Account-level default EBS encryption declared in the module (enabled defaults to true).
default_encryption if {
	some d in tf.resources_of("aws_ebs_encryption_by_default")
	not tf.attr_false(d.cfg, "enabled")
}
