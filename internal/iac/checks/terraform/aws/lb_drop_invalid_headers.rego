# METADATA
# title: Application load balancer forwards invalid HTTP headers
# description: >-
#   drop_invalid_header_fields is not enabled, so malformed headers reach the targets (HTTP desync / request smuggling risk).
# custom:
#   id: VGL-AWS-042
#   severity: MEDIUM
#   input: terraform
#   remediation: Set drop_invalid_header_fields to true.
#   references: ["https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes"]
#   controls: {}
package vigil.checks.terraform.aws.lb_drop_invalid_headers

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_lb", "aws_alb"]
	some x in tf.resources_of(t)
	object.get(x.cfg, "load_balancer_type", "application") == "application"
	tf.missing_or_false(x.cfg, "drop_invalid_header_fields")
	res := {"msg": sprintf("Load balancer '%s' does not drop invalid header fields", [tf.label(x)]), "path": tf.attr_path(x, "drop_invalid_header_fields")}
}
