package vigil.checks.terraform.aws.efs_unencrypted_test

import data.vigil.checks.terraform.aws.efs_unencrypted as check
import data.vigil.lib.fixtures as f
import rego.v1

test_unencrypted if {
	r := check.deny with input as f.tf([["aws_efs_file_system", "fs", {"creation_token": "x"}]])
	r == {{"msg": "EFS file system 'aws_efs_file_system.fs' is not encrypted", "path": ["resources", 0, "config"]}}
}

test_encrypted if {
	count(check.deny) == 0 with input as f.tf([["aws_efs_file_system", "fs", {"encrypted": "true"}]])
}
