# METADATA
# title: Instance metadata service v1 allowed
# description: >-
#   metadata_options.http_tokens is not "required" (the default is "optional"), so IMDSv1 is reachable: an SSRF in the workload can steal the instance role's credentials.
# custom:
#   id: VGL-AWS-032
#   severity: HIGH
#   input: terraform
#   remediation: Set metadata_options { http_tokens = "required" } (or http_endpoint = "disabled").
#   references: ["https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html"]
#   controls: {}
package vigil.checks.terraform.aws.imdsv2

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_instance", "aws_launch_template", "aws_launch_configuration"]
	some x in tf.resources_of(t)
	not protected(x)
	res := {"msg": sprintf("'%s' does not require IMDSv2 (http_tokens)", [tf.label(x)]), "path": tf.block_attr_path(x, "metadata_options", "http_tokens")}
}

protected(x) if tf.block0(x.cfg, "metadata_options").http_tokens in {"required", null}

protected(x) if tf.block0(x.cfg, "metadata_options").http_endpoint == "disabled"
