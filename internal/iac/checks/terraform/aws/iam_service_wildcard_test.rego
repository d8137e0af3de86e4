package vigil.checks.terraform.aws.iam_service_wildcard_test

import data.vigil.checks.terraform.aws.iam_service_wildcard as check
import data.vigil.lib.fixtures as f
import rego.v1

test_service_wildcard if {
	r := check.deny with input as f.tf([["aws_iam_policy", "p", {"policy": `{"Statement":{"Effect":"Allow","Action":["s3:*","ec2:Describe*"],"Resource":"*"}}`}]])
	r == {{"msg": "IAM policy 'aws_iam_policy.p' allows 's3:*'", "path": ["resources", 0, "config", "policy"]}}
}

test_prefix_wildcard if {
	count(check.deny) == 0 with input as f.tf([["aws_iam_policy", "p", {"policy": `{"Statement":{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}}`}]])
}

test_key_policy_document_skipped if {
	inp := {"resources": [{"address": "data.aws_iam_policy_document.key", "type": "aws_iam_policy_document", "name": "key", "mode": "data", "config": {"statement": [{"actions": ["kms:*"], "resources": ["*"], "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]}]}]}}]}
	count(check.deny) == 0 with input as inp
}

test_identity_policy_document if {
	inp := {"resources": [{"address": "data.aws_iam_policy_document.p", "type": "aws_iam_policy_document", "name": "p", "mode": "data", "config": {"statement": [{"actions": ["kms:*"], "resources": ["*"]}]}}]}
	r := check.deny with input as inp
	r == {{"msg": "IAM policy 'data.aws_iam_policy_document.p' allows 'kms:*'", "path": ["resources", 0, "config", "statement", 0]}}
}
