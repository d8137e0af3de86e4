# METADATA
# title: Redshift cluster encryption disabled
# description: >-
#   encrypted = false stores the cluster's data and snapshots unencrypted. Only an explicit false is reported (current provider versions encrypt by default).
# custom:
#   id: VGL-AWS-038
#   severity: HIGH
#   input: terraform
#   remediation: Set encrypted to true (optionally with kms_key_id).
#   references: ["https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-db-encryption.html"]
#   controls: {}
package vigil.checks.terraform.aws.redshift_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_redshift_cluster")
	tf.attr_false(x.cfg, "encrypted")
	res := {"msg": sprintf("Redshift cluster '%s' is not encrypted", [tf.label(x)]), "path": array.concat(x.cfg_path, ["encrypted"])}
}
