# METADATA
# title: RDS automated backups disabled
# description: >-
#   backup_retention_period = 0 disables automated backups and point-in-time recovery. Only an explicit 0 is reported (AWS applies a non-zero default when the attribute is omitted).
# custom:
#   id: VGL-AWS-011
#   severity: MEDIUM
#   input: terraform
#   remediation: Set backup_retention_period to at least 7 days.
#   references: ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html"]
#   controls: {}
package vigil.checks.terraform.aws.rds_backup_retention

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_db_instance", "aws_rds_cluster"]
	some x in tf.resources_of(t)
	tf.num(x.cfg.backup_retention_period) == 0
	not tf.has_key(x.cfg, "replicate_source_db")
	res := {"msg": sprintf("'%s' disables automated backups (backup_retention_period = 0)", [tf.label(x)]), "path": array.concat(x.cfg_path, ["backup_retention_period"])}
}
