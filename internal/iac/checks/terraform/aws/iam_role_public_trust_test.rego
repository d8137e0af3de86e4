package vigil.checks.terraform.aws.iam_role_public_trust_test

import data.vigil.checks.terraform.aws.iam_role_public_trust as check
import data.vigil.lib.fixtures as f
import rego.v1

test_public if {
	r := check.deny with input as f.tf([["aws_iam_role", "r", {"assume_role_policy": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`}]])
	[x.path | some x in r] == [["resources", 0, "config", "assume_role_policy"]]
}

test_service_principal if {
	count(check.deny) == 0 with input as f.tf([["aws_iam_role", "r", {"assume_role_policy": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}]])
}
