package vigil.checks.terraform.aws.instance_volume_unencrypted_test

import data.vigil.checks.terraform.aws.instance_volume_unencrypted as check
import data.vigil.lib.fixtures as f
import rego.v1

test_unencrypted if {
	r := check.deny with input as f.tf([
		["aws_instance", "a", {"ami": "x"}],
		["aws_instance", "b", {"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdf", "encrypted": false}]}],
	])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "ebs_block_device", 0, "encrypted"]}
}

test_encrypted if {
	count(check.deny) == 0 with input as f.tf([["aws_instance", "a", {"root_block_device": [{"encrypted": true}]}]])
	count(check.deny) == 0 with input as f.tf([["aws_instance", "a", {}], ["aws_ebs_encryption_by_default", "on", {"enabled": true}]])
}
