package vigil.checks.terraform.aws.default_security_group_test

import data.vigil.checks.terraform.aws.default_security_group as check
import data.vigil.lib.fixtures as f
import rego.v1

test_rules if {
	r := check.deny with input as f.tf([["aws_default_security_group", "d", {"ingress": [{"protocol": -1, "self": true, "from_port": 0, "to_port": 0}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "ingress"]]
}

test_empty if {
	count(check.deny) == 0 with input as f.tf([["aws_default_security_group", "d", {"vpc_id": "aws_vpc.main.id"}]])
}
