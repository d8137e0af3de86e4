package vigil.checks.terraform.aws.s3_bucket_policy_public_test

import data.vigil.checks.terraform.aws.s3_bucket_policy_public as check
import data.vigil.lib.fixtures as f
import rego.v1

test_public if {
	r := check.deny with input as f.tf([["aws_s3_bucket_policy", "p", {"bucket": "b", "policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}}]])
	[x.path | some x in r] == [["resources", 0, "config", "policy", "Statement", 0]]
}

test_public_json if {
	r := check.deny with input as f.tf([["aws_s3_bucket_policy", "p", {"policy": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`}]])
	[x.path | some x in r] == [["resources", 0, "config", "policy"]]
}

test_conditional_or_specific if {
	count(check.deny) == 0 with input as f.tf([["aws_s3_bucket_policy", "p", {"policy": {"Statement": [
		{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
		{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}},
		{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject", "Resource": "*"},
	]}}]])
}

test_policy_document_reference if {
	inp := {"resources": [
		{"address": "aws_s3_bucket_policy.p", "type": "aws_s3_bucket_policy", "name": "p", "mode": "managed", "config": {"bucket": "b", "policy": "data.aws_iam_policy_document.pub.json"}},
		{"address": "data.aws_iam_policy_document.pub", "type": "aws_iam_policy_document", "name": "pub", "mode": "data", "config": {"statement": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"], "principals": [{"type": "*", "identifiers": ["*"]}]}]}},
		{"address": "data.aws_iam_policy_document.pub2", "type": "aws_iam_policy_document", "name": "pub2", "mode": "data", "config": {"statement": [{"actions": ["s3:GetObject"], "resources": ["*"], "principals": [{"type": "*", "identifiers": ["*"]}]}]}},
	]}
	r := check.deny with input as inp
	[x.path | some x in r] == [["resources", 1, "config", "statement", 0]]
}

test_policy_document_with_condition if {
	inp := {"resources": [
		{"address": "aws_s3_bucket_policy.p", "type": "aws_s3_bucket_policy", "name": "p", "mode": "managed", "config": {"policy": "data.aws_iam_policy_document.tls.json"}},
		{"address": "data.aws_iam_policy_document.tls", "type": "aws_iam_policy_document", "name": "tls", "mode": "data", "config": {"statement": [{"effect": "Deny", "actions": ["s3:*"], "resources": ["*"], "principals": [{"type": "*", "identifiers": ["*"]}], "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}]}},
	]}
	count(check.deny) == 0 with input as inp
}
