package vigil.checks.terraform.aws.sg_all_ports_open_test

import data.vigil.checks.terraform.aws.sg_all_ports_open as check
import data.vigil.lib.fixtures as f
import rego.v1

test_all_protocols if {
	r := check.deny with input as f.tf([
		["aws_security_group", "web", {"ingress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": ["::/0"]}]}],
		["aws_vpc_security_group_ingress_rule", "r", {"cidr_ipv4": "0.0.0.0/0", "ip_protocol": "-1"}],
	])
	{x.path | some x in r} == {["resources", 0, "config", "ingress", 0, "cidr_blocks"], ["resources", 0, "config", "ingress", 0, "ipv6_cidr_blocks"], ["resources", 1, "config", "cidr_ipv4"]}
}

test_full_tcp_range if {
	r := check.deny with input as f.tf([["aws_security_group_rule", "r", {"type": "ingress", "from_port": 0, "to_port": 65535, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]])
	count(r) == 1
}

test_single_port if {
	count(check.deny) == 0 with input as f.tf([["aws_security_group", "web", {"ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}]])
}
