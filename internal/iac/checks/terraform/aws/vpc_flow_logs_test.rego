package vigil.checks.terraform.aws.vpc_flow_logs_test

import data.vigil.checks.terraform.aws.vpc_flow_logs as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_vpc", "main", {"cidr_block": "10.0.0.0/16"}], ["aws_flow_log", "other", {"vpc_id": "aws_vpc.main2.id"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_flow_log if {
	count(check.deny) == 0 with input as f.tf([["aws_vpc", "main", {"cidr_block": "10.0.0.0/16"}], ["aws_flow_log", "main", {"vpc_id": "aws_vpc.main.id", "traffic_type": "ALL"}]])
}

test_unresolved_reference_is_silent if {
	count(check.deny) == 0 with input as f.tf([["aws_vpc", "main", {}], ["aws_flow_log", "x", {"vpc_id": null}]])
}
