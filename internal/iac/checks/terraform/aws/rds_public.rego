# METADATA
# title: RDS instance is publicly accessible
# description: >-
#   publicly_accessible gives the database a public DNS name and address; only security groups stand between it and the internet.
# custom:
#   id: VGL-AWS-009
#   severity: HIGH
#   input: terraform
#   remediation: Set publicly_accessible to false and reach the database from inside the VPC.
#   references: ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"]
#   controls: {cis_aws: "2.3.3"}
package vigil.checks.terraform.aws.rds_public

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_db_instance", "aws_rds_cluster_instance"]
	some x in tf.resources_of(t)
	tf.attr_true(x.cfg, "publicly_accessible")
	res := {"msg": sprintf("RDS instance '%s' is publicly accessible", [tf.label(x)]), "path": array.concat(x.cfg_path, ["publicly_accessible"])}
}
