package vigil.checks.terraform.aws.ecr_tag_mutability_test

import data.vigil.checks.terraform.aws.ecr_tag_mutability as check
import data.vigil.lib.fixtures as f
import rego.v1

test_mutable if {
	r := check.deny with input as f.tf([["aws_ecr_repository", "r", {}], ["aws_ecr_repository", "s", {"image_tag_mutability": "MUTABLE"}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "image_tag_mutability"]}
}

test_immutable if {
	count(check.deny) == 0 with input as f.tf([["aws_ecr_repository", "r", {"image_tag_mutability": "IMMUTABLE"}], ["aws_ecr_repository", "s", {"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}]])
}
