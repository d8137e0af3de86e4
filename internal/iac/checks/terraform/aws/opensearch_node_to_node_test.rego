package vigil.checks.terraform.aws.opensearch_node_to_node_test

import data.vigil.checks.terraform.aws.opensearch_node_to_node as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_opensearch_domain", "d", {}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_enabled if {
	count(check.deny) == 0 with input as f.tf([["aws_elasticsearch_domain", "d", {"node_to_node_encryption": [{"enabled": "true"}]}]])
}
