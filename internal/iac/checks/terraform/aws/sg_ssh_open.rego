# METADATA
# title: Security group allows SSH (port 22) from the internet
# description: >-
#   An ingress rule admits 0.0.0.0/0 or ::/0 to port 22; internet-wide scanning finds exposed SSH services within minutes. Rules that open every port are reported by VGL-AWS-008.
# custom:
#   id: VGL-AWS-006
#   severity: HIGH
#   input: terraform
#   remediation: Restrict the source to known CIDRs or use SSM Session Manager / a bastion instead of exposing SSH.
#   references: ["https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html"]
#   controls: {cis_aws: "5.2, 5.3"}
package vigil.checks.terraform.aws.sg_ssh_open

import data.vigil.lib.aws
import rego.v1

deny contains res if {
	some rule in aws.public_ingress
	aws.covers_port(rule, 22)
	not aws.all_ports(rule)
	res := {"msg": sprintf("'%s' allows SSH (port 22) from %s", [rule.label, concat(", ", [c | some c in rule.cidrs; aws.open_cidrs[c]])]), "path": rule.path}
}
