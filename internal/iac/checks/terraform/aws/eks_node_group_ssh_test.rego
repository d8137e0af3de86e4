package vigil.checks.terraform.aws.eks_node_group_ssh_test

import data.vigil.checks.terraform.aws.eks_node_group_ssh as check
import data.vigil.lib.fixtures as f
import rego.v1

test_open if {
	r := check.deny with input as f.tf([["aws_eks_node_group", "n", {"remote_access": [{"ec2_ssh_key": "ops"}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "remote_access", 0]]
}

test_restricted if {
	count(check.deny) == 0 with input as f.tf([["aws_eks_node_group", "n", {"remote_access": [{"ec2_ssh_key": "ops", "source_security_group_ids": ["sg-1"]}]}], ["aws_eks_node_group", "m", {}]])
}
