# METADATA
# title: RDS storage not encrypted
# description: >-
#   storage_encrypted is false or missing (the provider default is false) on an RDS instance or Aurora cluster, so data, snapshots and backups are stored unencrypted. Read replicas, snapshot restores and Aurora Serverless v1 clusters are not reported.
# custom:
#   id: VGL-AWS-010
#   severity: HIGH
#   input: terraform
#   remediation: Set storage_encrypted to true (optionally with kms_key_id); existing databases need a snapshot copy with encryption.
#   references: ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"]
#   controls: {cis_aws: "2.3.1"}
package vigil.checks.terraform.aws.rds_storage_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_db_instance", "aws_rds_cluster"]
	some x in tf.resources_of(t)
	tf.missing_or_false(x.cfg, "storage_encrypted")
	not inherits(x)
	res := {"msg": sprintf("'%s' does not encrypt its storage", [tf.label(x)]), "path": tf.attr_path(x, "storage_encrypted")}
}

# Encryption comes from the source (replica, snapshot) or is implicit.
inherits(x) if {
	some attr in ["replicate_source_db", "snapshot_identifier", "replication_source_identifier"]
	tf.has_key(x.cfg, attr)
}

inherits(x) if x.cfg.engine_mode == "serverless"

inherits(x) if count(tf.blocks(x.cfg, "restore_to_point_in_time")) > 0
