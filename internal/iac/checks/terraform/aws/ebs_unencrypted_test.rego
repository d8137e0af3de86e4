package vigil.checks.terraform.aws.ebs_unencrypted_test

import data.vigil.checks.terraform.aws.ebs_unencrypted as check
import data.vigil.lib.fixtures as f
import rego.v1

test_unencrypted if {
	r := check.deny with input as f.tf([["aws_ebs_volume", "v", {"size": 10}], ["aws_ebs_volume", "w", {"encrypted": false}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "encrypted"]}
}

test_encrypted if {
	count(check.deny) == 0 with input as f.tf([["aws_ebs_volume", "v", {"encrypted": true}], ["aws_ebs_volume", "u", {"encrypted": null}]])
}

test_default_encryption if {
	count(check.deny) == 0 with input as f.tf([["aws_ebs_volume", "v", {}], ["aws_ebs_encryption_by_default", "this", {"enabled": true}]])
}
