# METADATA
# title: DocumentDB/Neptune cluster storage not encrypted
# description: >-
#   storage_encrypted is false or missing (the default is false), so the cluster's data and snapshots are unencrypted.
# custom:
#   id: VGL-AWS-052
#   severity: HIGH
#   input: terraform
#   remediation: Set storage_encrypted to true (optionally with kms_key_arn).
#   references: ["https://docs.aws.amazon.com/documentdb/latest/developerguide/encryption-at-rest.html"]
#   controls: {}
package vigil.checks.terraform.aws.docdb_neptune_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_docdb_cluster", "aws_neptune_cluster"]
	some x in tf.resources_of(t)
	tf.missing_or_false(x.cfg, "storage_encrypted")
	not tf.has_key(x.cfg, "snapshot_identifier")
	res := {"msg": sprintf("'%s' does not encrypt its storage", [tf.label(x)]), "path": tf.attr_path(x, "storage_encrypted")}
}
