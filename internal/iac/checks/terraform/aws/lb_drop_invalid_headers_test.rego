package vigil.checks.terraform.aws.lb_drop_invalid_headers_test

import data.vigil.checks.terraform.aws.lb_drop_invalid_headers as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_lb", "a", {"internal": false}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_enabled_or_nlb if {
	count(check.deny) == 0 with input as f.tf([["aws_lb", "a", {"drop_invalid_header_fields": true}], ["aws_lb", "n", {"load_balancer_type": "network"}]])
}
