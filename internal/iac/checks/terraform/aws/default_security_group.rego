# METADATA
# title: Default security group allows traffic
# description: >-
#   The VPC's default security group declares ingress or egress rules; resources launched without an explicit group silently get them.
# custom:
#   id: VGL-AWS-040
#   severity: LOW
#   input: terraform
#   remediation: Declare aws_default_security_group without ingress/egress blocks so that it denies all traffic.
#   references: ["https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html"]
#   controls: {cis_aws: "5.4"}
package vigil.checks.terraform.aws.default_security_group

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_default_security_group")
	some dir in ["ingress", "egress"]
	count(tf.blocks(x.cfg, dir)) > 0
	res := {"msg": sprintf("Default security group '%s' allows %s traffic", [tf.label(x), dir]), "path": array.concat(x.cfg_path, [dir])}
}
