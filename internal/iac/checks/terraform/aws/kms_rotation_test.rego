package vigil.checks.terraform.aws.kms_rotation_test

import data.vigil.checks.terraform.aws.kms_rotation as check
import data.vigil.lib.fixtures as f
import rego.v1

test_no_rotation if {
	r := check.deny with input as f.tf([["aws_kms_key", "k", {"description": "k"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_rotation_or_asymmetric if {
	count(check.deny) == 0 with input as f.tf([["aws_kms_key", "k", {"enable_key_rotation": true}], ["aws_kms_key", "s", {"customer_master_key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY"}]])
}
