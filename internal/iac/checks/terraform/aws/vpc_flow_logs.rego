# METADATA
# title: VPC without flow logs
# description: >-
#   No aws_flow_log in the module references the VPC, so network traffic to and from it is not recorded.
# custom:
#   id: VGL-AWS-039
#   severity: MEDIUM
#   input: terraform
#   remediation: Add an aws_flow_log with vpc_id = aws_vpc.<name>.id.
#   references: ["https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html"]
#   controls: {cis_aws: "3.9"}
package vigil.checks.terraform.aws.vpc_flow_logs

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_vpc")
	count(tf.referencing("aws_flow_log", "vpc_id", x)) == 0
	not tf.unresolved("aws_flow_log", "vpc_id")
	res := {"msg": sprintf("VPC '%s' has no flow log", [tf.label(x)]), "path": x.cfg_path}
}
