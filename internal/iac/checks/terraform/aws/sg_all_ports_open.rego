# METADATA
# title: Security group allows all ports from the internet
# description: >-
#   An ingress rule admits 0.0.0.0/0 or ::/0 on every port (protocol -1/all, or 0-65535), exposing every service on the attached resources.
# custom:
#   id: VGL-AWS-008
#   severity: CRITICAL
#   input: terraform
#   remediation: Allow only the ports the service needs, from the sources that need them.
#   references: ["https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html"]
#   controls: {cis_aws: "5.2, 5.3"}
package vigil.checks.terraform.aws.sg_all_ports_open

import data.vigil.lib.aws
import rego.v1

deny contains res if {
	some rule in aws.public_ingress
	aws.all_ports(rule)
	res := {"msg": sprintf("'%s' allows all ports from %s", [rule.label, concat(", ", [c | some c in rule.cidrs; aws.open_cidrs[c]])]), "path": rule.path}
}
