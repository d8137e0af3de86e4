# METADATA
# title: Load balancer listener allows TLS 1.0/1.1
# description: >-
#   The listener's ssl_policy still negotiates TLS 1.0 or 1.1, which are deprecated and weak.
# custom:
#   id: VGL-AWS-025
#   severity: MEDIUM
#   input: terraform
#   remediation: Use ELBSecurityPolicy-TLS13-1-2-2021-06 (or a newer TLS 1.2+ policy).
#   references: ["https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html"]
#   controls: {}
package vigil.checks.terraform.aws.lb_outdated_tls_policy

import data.vigil.lib.terraform as tf
import rego.v1

outdated := `^ELBSecurityPolicy-(20[0-9]{2}-[0-9]{2}|TLS-1-[01]-.*|FS-2018-06|FS-1-1-.*|TLS13-1-[01]-.*)$`

deny contains res if {
	some t in ["aws_lb_listener", "aws_alb_listener"]
	some x in tf.resources_of(t)
	p := x.cfg.ssl_policy
	is_string(p)
	regex.match(outdated, p)
	res := {"msg": sprintf("Listener '%s' uses outdated TLS policy %s", [tf.label(x), p]), "path": array.concat(x.cfg_path, ["ssl_policy"])}
}
