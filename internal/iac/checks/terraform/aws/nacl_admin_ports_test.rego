package vigil.checks.terraform.aws.nacl_admin_ports_test

import data.vigil.checks.terraform.aws.nacl_admin_ports as check
import data.vigil.lib.fixtures as f
import rego.v1

test_rule_resource if {
	r := check.deny with input as f.tf([["aws_network_acl_rule", "r", {"egress": false, "rule_action": "allow", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "from_port": 0, "to_port": 1024}]])
	r == {{"msg": "Network ACL 'aws_network_acl_rule.r' allows port 22 from 0.0.0.0/0", "path": ["resources", 0, "config", "cidr_block"]}}
}

test_inline_all if {
	r := check.deny with input as f.tf([["aws_network_acl", "n", {"ingress": [{"action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0", "from_port": 0, "to_port": 0}]}]])
	count(r) == 2
}

test_deny_or_egress_or_restricted if {
	count(check.deny) == 0 with input as f.tf([
		["aws_network_acl_rule", "d", {"rule_action": "deny", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "from_port": 22, "to_port": 22}],
		["aws_network_acl_rule", "e", {"egress": true, "rule_action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}],
		["aws_network_acl_rule", "p", {"rule_action": "allow", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "from_port": 443, "to_port": 443}],
		["aws_network_acl", "n", {"egress": [{"action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}]}],
	])
}
