package vigil.checks.terraform.aws.ecr_scan_on_push_test

import data.vigil.checks.terraform.aws.ecr_scan_on_push as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_ecr_repository", "r", {}], ["aws_ecr_repository", "s", {"image_scanning_configuration": [{"scan_on_push": false}]}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "image_scanning_configuration", 0, "scan_on_push"]}
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_ecr_repository", "r", {"image_scanning_configuration": [{"scan_on_push": true}]}]])
	count(check.deny) == 0 with input as f.tf([["aws_ecr_repository", "r", {}], ["aws_ecr_registry_scanning_configuration", "c", {"scan_type": "ENHANCED"}]])
}
