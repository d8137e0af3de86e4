package vigil.checks.terraform.aws.lb_outdated_tls_policy_test

import data.vigil.checks.terraform.aws.lb_outdated_tls_policy as check
import data.vigil.lib.fixtures as f
import rego.v1

test_old if {
	r := check.deny with input as f.tf([["aws_lb_listener", "l", {"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"}], ["aws_lb_listener", "m", {"protocol": "TLS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-0-2021-06"}]])
	count(r) == 2
}

test_modern if {
	count(check.deny) == 0 with input as f.tf([["aws_lb_listener", "l", {"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}], ["aws_lb_listener", "m", {"ssl_policy": "ELBSecurityPolicy-FS-1-2-Res-2020-10"}]])
}
