package vigil.checks.terraform.aws.lb_listener_http_test

import data.vigil.checks.terraform.aws.lb_listener_http as check
import data.vigil.lib.fixtures as f
import rego.v1

test_http_forward if {
	r := check.deny with input as f.tf([["aws_lb_listener", "http", {"load_balancer_arn": "aws_lb.web.arn", "port": 80, "protocol": "HTTP", "default_action": [{"type": "forward", "target_group_arn": "tg"}]}]])
	r == {{"msg": "Listener 'aws_lb_listener.http' serves HTTP without redirecting to HTTPS", "path": ["resources", 0, "config", "protocol"]}}
}

test_redirect_https_or_internal if {
	count(check.deny) == 0 with input as f.tf([
		["aws_lb_listener", "http", {"protocol": "HTTP", "default_action": [{"type": "redirect", "redirect": [{"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}]}]}],
		["aws_lb", "int", {"internal": true}],
		["aws_alb_listener", "i", {"load_balancer_arn": "aws_lb.int.arn", "protocol": "HTTP", "default_action": [{"type": "forward"}]}],
		["aws_lb_listener", "https", {"protocol": "HTTPS", "default_action": [{"type": "forward"}]}],
	])
}
