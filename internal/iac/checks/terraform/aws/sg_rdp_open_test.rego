package vigil.checks.terraform.aws.sg_rdp_open_test

import data.vigil.checks.terraform.aws.sg_rdp_open as check
import data.vigil.lib.fixtures as f
import rego.v1

test_inline_block if {
	r := check.deny with input as f.tf([["aws_security_group", "web", {"ingress": [
		{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
		{"from_port": 3389, "to_port": 3389, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]},
	]}]])
	r == {{"msg": "'aws_security_group.web' allows RDP (port 3389) from 0.0.0.0/0", "path": ["resources", 0, "config", "ingress", 1, "cidr_blocks"]}}
}

test_rule_range_and_string_ports if {
	r := check.deny with input as f.tf([["aws_security_group_rule", "r", {"type": "ingress", "from_port": "1", "to_port": "5000", "protocol": "tcp", "ipv6_cidr_blocks": ["::/0"]}]])
	[x.path | some x in r] == [["resources", 0, "config", "ipv6_cidr_blocks"]]
}

test_vpc_ingress_rule if {
	r := check.deny with input as f.tf([["aws_vpc_security_group_ingress_rule", "r", {"cidr_ipv4": "0.0.0.0/0", "from_port": 3389, "to_port": 3389, "ip_protocol": "tcp"}]])
	[x.path | some x in r] == [["resources", 0, "config", "cidr_ipv4"]]
}

test_restricted_or_egress if {
	count(check.deny) == 0 with input as f.tf([
		["aws_security_group", "web", {"ingress": [{"from_port": 3389, "to_port": 3389, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}], "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}]}],
		["aws_security_group_rule", "e", {"type": "egress", "from_port": 3389, "to_port": 3389, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
		["aws_security_group_rule", "i", {"type": "ingress", "from_port": null, "to_port": null, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
		["aws_security_group_rule", "icmp", {"type": "ingress", "from_port": -1, "to_port": -1, "protocol": "icmp", "cidr_blocks": ["0.0.0.0/0"]}],
	])
}

test_all_ports_left_to_008 if {
	count(check.deny) == 0 with input as f.tf([["aws_security_group", "web", {"ingress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}]}]])
}
