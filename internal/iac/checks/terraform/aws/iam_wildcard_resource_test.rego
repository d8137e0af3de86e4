package vigil.checks.terraform.aws.iam_wildcard_resource_test

import data.vigil.checks.terraform.aws.iam_wildcard_resource as check
import data.vigil.lib.fixtures as f
import rego.v1

test_write_on_star if {
	r := check.deny with input as f.tf([["aws_iam_policy", "p", {"policy": {"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}]}}]])
	r == {{"msg": "IAM policy 'aws_iam_policy.p' allows s3:PutObject on all resources", "path": ["resources", 0, "config", "policy", "Statement", 0]}}
}

test_read_scoped_conditional if {
	count(check.deny) == 0 with input as f.tf([["aws_iam_policy", "p", {"policy": {"Statement": [
		{"Effect": "Allow", "Action": ["ec2:DescribeInstances", "s3:ListAllMyBuckets"], "Resource": "*"},
		{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"},
		{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}},
	]}}]])
}
