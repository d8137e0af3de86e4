package vigil.checks.terraform.aws.iam_password_policy_test

import data.vigil.checks.terraform.aws.iam_password_policy as check
import data.vigil.lib.fixtures as f
import rego.v1

test_weak if {
	r := check.deny with input as f.tf([["aws_iam_account_password_policy", "p", {"minimum_password_length": 8}]])
	{x.path | some x in r} == {["resources", 0, "config", "minimum_password_length"], ["resources", 0, "config"]}
}

test_strong if {
	count(check.deny) == 0 with input as f.tf([["aws_iam_account_password_policy", "p", {"minimum_password_length": "16", "password_reuse_prevention": 24}]])
}
