package vigil.checks.terraform.aws.opensearch_enforce_https_test

import data.vigil.checks.terraform.aws.opensearch_enforce_https as check
import data.vigil.lib.fixtures as f
import rego.v1

test_disabled if {
	r := check.deny with input as f.tf([["aws_opensearch_domain", "d", {"domain_endpoint_options": [{"enforce_https": false}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "domain_endpoint_options", 0, "enforce_https"]]
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_opensearch_domain", "d", {"domain_endpoint_options": [{"enforce_https": true}]}], ["aws_opensearch_domain", "e", {}]])
}
