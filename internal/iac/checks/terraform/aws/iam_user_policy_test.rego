package vigil.checks.terraform.aws.iam_user_policy_test

import data.vigil.checks.terraform.aws.iam_user_policy as check
import data.vigil.lib.fixtures as f
import rego.v1

test_user_attachment if {
	r := check.deny with input as f.tf([["aws_iam_user_policy_attachment", "a", {"user": "aws_iam_user.bob.name", "policy_arn": "arn"}], ["aws_iam_policy_attachment", "b", {"users": ["bob"], "roles": []}]])
	{x.path | some x in r} == {["resources", 0, "config", "user"], ["resources", 1, "config", "users"]}
}

test_group_attachment if {
	count(check.deny) == 0 with input as f.tf([["aws_iam_group_policy_attachment", "a", {"group": "devs"}], ["aws_iam_policy_attachment", "b", {"users": [], "roles": ["r"]}]])
}
