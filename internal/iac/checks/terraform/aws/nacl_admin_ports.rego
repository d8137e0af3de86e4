# METADATA
# title: Network ACL allows admin ports from the internet
# description: >-
#   A network ACL ingress rule allows 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389).
# custom:
#   id: VGL-AWS-041
#   severity: MEDIUM
#   input: terraform
#   remediation: Deny or restrict the source of inbound 22/3389 in the network ACL.
#   references: ["https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"]
#   controls: {cis_aws: "5.1"}
package vigil.checks.terraform.aws.nacl_admin_ports

import data.vigil.lib.aws
import data.vigil.lib.terraform as tf
import rego.v1

# entries contains {"rule": <normalised rule>, "action": string, "egress": bool}.
entries contains {"rule": rule, "action": object.get(x.cfg, "rule_action", ""), "egress": egress(x.cfg)} if {
	some x in tf.resources_of("aws_network_acl_rule")
	some attr in ["cidr_block", "ipv6_cidr_block"]
	rule := {
		"cidrs": tf.strs(object.get(x.cfg, attr, [])),
		"from": object.get(x.cfg, "from_port", null),
		"to": object.get(x.cfg, "to_port", null),
		"protocol": object.get(x.cfg, "protocol", null),
		"path": array.concat(x.cfg_path, [attr]),
		"label": tf.label(x),
	}
}

entries contains {"rule": rule, "action": object.get(b, "action", ""), "egress": false} if {
	some x in tf.resources_of("aws_network_acl")
	some j, b in tf.blocks(x.cfg, "ingress")
	some attr in ["cidr_block", "ipv6_cidr_block"]
	rule := {
		"cidrs": tf.strs(object.get(b, attr, [])),
		"from": object.get(b, "from_port", null),
		"to": object.get(b, "to_port", null),
		"protocol": object.get(b, "protocol", null),
		"path": array.concat(x.cfg_path, ["ingress", j, attr]),
		"label": tf.label(x),
	}
}

deny contains res if {
	some e in entries
	e.egress == false
	lower(e.action) == "allow"
	some c in e.rule.cidrs
	aws.open_cidrs[c]
	some port in [22, 3389]
	covers(e.rule, port)
	res := {"msg": sprintf("Network ACL '%s' allows port %d from %s", [e.rule.label, port, c]), "path": e.rule.path}
}

covers(rule, _) if lower(sprintf("%v", [rule.protocol])) in {"-1", "all"}

covers(rule, port) if {
	lower(sprintf("%v", [rule.protocol])) in {"tcp", "6"}
	tf.num(rule.from) <= port
	port <= tf.num(rule.to)
}

egress(cfg) if tf.attr_true(cfg, "egress")

else := false
