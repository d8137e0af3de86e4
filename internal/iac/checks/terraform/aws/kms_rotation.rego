# METADATA
# title: KMS key rotation disabled
# description: >-
#   A symmetric customer managed key without automatic rotation keeps the same key material indefinitely. Asymmetric and HMAC keys (which cannot rotate) are not reported.
# custom:
#   id: VGL-AWS-020
#   severity: MEDIUM
#   input: terraform
#   remediation: Set enable_key_rotation to true.
#   references: ["https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"]
#   controls: {cis_aws: "3.8"}
package vigil.checks.terraform.aws.kms_rotation

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_kms_key")
	symmetric(x.cfg)
	tf.missing_or_false(x.cfg, "enable_key_rotation")
	res := {"msg": sprintf("KMS key '%s' does not enable key rotation", [tf.label(x)]), "path": tf.attr_path(x, "enable_key_rotation")}
}

symmetric(cfg) if {
	object.get(cfg, "customer_master_key_spec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
	object.get(cfg, "key_spec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
	object.get(cfg, "key_usage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
}
