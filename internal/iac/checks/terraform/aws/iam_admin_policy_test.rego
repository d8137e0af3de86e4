package vigil.checks.terraform.aws.iam_admin_policy_test

import data.vigil.checks.terraform.aws.iam_admin_policy as check
import data.vigil.lib.fixtures as f
import rego.v1

admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

test_json_string if {
	r := check.deny with input as f.tf([["aws_iam_policy", "admin", {"policy": admin}]])
	r == {{"msg": "IAM policy 'aws_iam_policy.admin' allows all actions ('*') on *", "path": ["resources", 0, "config", "policy"]}}
}

test_jsonencode_object if {
	r := check.deny with input as f.tf([["aws_iam_role_policy", "p", {"policy": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}, {"Effect": "Allow", "Action": ["*"], "Resource": ["arn:aws:s3:::b"]}]}}]])
	[x.path | some x in r] == [["resources", 0, "config", "policy", "Statement", 1]]
}

test_policy_document if {
	inp := {"resources": [{"address": "data.aws_iam_policy_document.d", "type": "aws_iam_policy_document", "name": "d", "mode": "data", "config": {"statement": [{"actions": ["*"], "resources": ["*"]}]}}]}
	r := check.deny with input as inp
	[x.path | some x in r] == [["resources", 0, "config", "statement", 0]]
}

test_role_inline_policy if {
	r := check.deny with input as f.tf([["aws_iam_role", "r", {"inline_policy": [{"name": "x", "policy": admin}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "inline_policy", 0, "policy"]]
}

test_deny_and_scoped if {
	count(check.deny) == 0 with input as f.tf([
		["aws_iam_policy", "p", {"policy": `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`}],
		["aws_iam_user_policy", "u", {"policy": null}],
		["aws_iam_group_policy", "g", {"policy": "not json"}],
	])
}
