package vigil.checks.terraform.aws.imdsv2_test

import data.vigil.checks.terraform.aws.imdsv2 as check
import data.vigil.lib.fixtures as f
import rego.v1

test_default_and_optional if {
	r := check.deny with input as f.tf([["aws_instance", "a", {"ami": "ami-1"}], ["aws_launch_template", "b", {"metadata_options": [{"http_tokens": "optional"}]}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "metadata_options", 0, "http_tokens"]}
}

test_required_or_disabled if {
	count(check.deny) == 0 with input as f.tf([["aws_instance", "a", {"metadata_options": [{"http_tokens": "required"}]}], ["aws_instance", "b", {"metadata_options": [{"http_endpoint": "disabled"}]}]])
}
