# METADATA
# title: Load balancer listener serves plain HTTP
# description: >-
#   An HTTP listener whose default action does not redirect to HTTPS serves traffic unencrypted. Listeners of load balancers declared internal in the module are not reported.
# custom:
#   id: VGL-AWS-024
#   severity: HIGH
#   input: terraform
#   remediation: Redirect HTTP to HTTPS (default_action type redirect, protocol HTTPS, status HTTP_301) and serve the application on an HTTPS listener.
#   references: ["https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html"]
#   controls: {}
package vigil.checks.terraform.aws.lb_listener_http

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_lb_listener", "aws_alb_listener"]
	some x in tf.resources_of(t)
	tf.upper_str(x.cfg.protocol) == "HTTP"
	not redirects(x)
	not internal(x)
	res := {"msg": sprintf("Listener '%s' serves HTTP without redirecting to HTTPS", [tf.label(x)]), "path": array.concat(x.cfg_path, ["protocol"])}
}

redirects(x) if {
	some a in tf.blocks(x.cfg, "default_action")
	a.type == "redirect"
	some r in tf.blocks(a, "redirect")
	tf.upper_str(r.protocol) == "HTTPS"
}

internal(x) if {
	some t in ["aws_lb", "aws_alb"]
	some lb in tf.resources_of(t)
	tf.refers(x.cfg.load_balancer_arn, lb)
	tf.attr_true(lb.cfg, "internal")
}
