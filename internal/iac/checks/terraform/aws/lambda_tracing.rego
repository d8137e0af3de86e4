# METADATA
# title: Lambda function without active tracing
# description: >-
#   Without X-Ray active tracing, requests through the function cannot be followed during an investigation.
# custom:
#   id: VGL-AWS-036
#   severity: LOW
#   input: terraform
#   remediation: Set tracing_config { mode = "Active" }.
#   references: ["https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"]
#   controls: {}
package vigil.checks.terraform.aws.lambda_tracing

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_lambda_function")
	not ok(x)
	res := {"msg": sprintf("Lambda function '%s' does not enable active tracing", [tf.label(x)]), "path": tf.block_attr_path(x, "tracing_config", "mode")}
}

ok(x) if tf.block0(x.cfg, "tracing_config").mode in {"Active", null}
