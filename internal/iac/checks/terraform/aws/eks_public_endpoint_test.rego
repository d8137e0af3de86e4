package vigil.checks.terraform.aws.eks_public_endpoint_test

import data.vigil.checks.terraform.aws.eks_public_endpoint as check
import data.vigil.lib.fixtures as f
import rego.v1

test_default_public if {
	r := check.deny with input as f.tf([["aws_eks_cluster", "c", {"vpc_config": [{"subnet_ids": ["a"]}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "vpc_config", 0]]
}

test_open_cidrs if {
	r := check.deny with input as f.tf([["aws_eks_cluster", "c", {"vpc_config": [{"endpoint_public_access": true, "public_access_cidrs": ["0.0.0.0/0"]}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "vpc_config", 0, "public_access_cidrs"]]
}

test_private_or_restricted if {
	count(check.deny) == 0 with input as f.tf([
		["aws_eks_cluster", "a", {"vpc_config": [{"endpoint_public_access": false, "endpoint_private_access": true}]}],
		["aws_eks_cluster", "b", {"vpc_config": [{"public_access_cidrs": ["203.0.113.0/24"]}]}],
	])
}
