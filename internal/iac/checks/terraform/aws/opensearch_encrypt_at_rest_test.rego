package vigil.checks.terraform.aws.opensearch_encrypt_at_rest_test

import data.vigil.checks.terraform.aws.opensearch_encrypt_at_rest as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_opensearch_domain", "d", {}], ["aws_elasticsearch_domain", "e", {"encrypt_at_rest": [{"enabled": false}]}]])
	{x.path | some x in r} == {["resources", 0, "config"], ["resources", 1, "config", "encrypt_at_rest", 0, "enabled"]}
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_opensearch_domain", "d", {"encrypt_at_rest": [{"enabled": true}]}]])
}
