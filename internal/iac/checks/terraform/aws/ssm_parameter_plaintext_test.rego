package vigil.checks.terraform.aws.ssm_parameter_plaintext_test

import data.vigil.checks.terraform.aws.ssm_parameter_plaintext as check
import data.vigil.lib.fixtures as f
import rego.v1

test_plain if {
	r := check.deny with input as f.tf([["aws_ssm_parameter", "p", {"name": "/app/db_password", "type": "String", "value": "x"}]])
	[x.path | some x in r] == [["resources", 0, "config", "type"]]
}

test_secure_or_not_secret if {
	count(check.deny) == 0 with input as f.tf([["aws_ssm_parameter", "p", {"name": "/app/db_password", "type": "SecureString"}], ["aws_ssm_parameter", "q", {"name": "/app/log_level", "type": "String"}]])
}
