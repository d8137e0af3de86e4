# METADATA
# title: RDS automatic minor version upgrades disabled
# description: >-
#   auto_minor_version_upgrade = false leaves the engine without security patches until someone upgrades it by hand.
# custom:
#   id: VGL-AWS-043
#   severity: LOW
#   input: terraform
#   remediation: Set auto_minor_version_upgrade to true (the default).
#   references: ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html"]
#   controls: {cis_aws: "2.3.2"}
package vigil.checks.terraform.aws.rds_auto_minor_upgrade

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_db_instance", "aws_rds_cluster_instance"]
	some x in tf.resources_of(t)
	tf.attr_false(x.cfg, "auto_minor_version_upgrade")
	res := {"msg": sprintf("'%s' disables automatic minor version upgrades", [tf.label(x)]), "path": array.concat(x.cfg_path, ["auto_minor_version_upgrade"])}
}
