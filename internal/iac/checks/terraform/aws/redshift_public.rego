# METADATA
# title: Redshift cluster is publicly accessible
# description: >-
#   publicly_accessible gives the cluster a public endpoint; only security groups stand between the data warehouse and the internet.
# custom:
#   id: VGL-AWS-037
#   severity: HIGH
#   input: terraform
#   remediation: Set publicly_accessible to false.
#   references: ["https://docs.aws.amazon.com/redshift/latest/mgmt/managing-clusters-vpc.html"]
#   controls: {}
package vigil.checks.terraform.aws.redshift_public

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_redshift_cluster")
	tf.attr_true(x.cfg, "publicly_accessible")
	res := {"msg": sprintf("Redshift cluster '%s' is publicly accessible", [tf.label(x)]), "path": array.concat(x.cfg_path, ["publicly_accessible"])}
}
