# METADATA
# title: Lambda function URL without authentication
# description: >-
#   authorization_type NONE makes the function invocable by anyone on the internet who knows the URL.
# custom:
#   id: VGL-AWS-051
#   severity: MEDIUM
#   input: terraform
#   remediation: Use authorization_type AWS_IAM, or authenticate inside the function and document why the URL is public.
#   references: ["https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"]
#   controls: {}
package vigil.checks.terraform.aws.lambda_url_public

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_lambda_function_url")
	tf.upper_str(x.cfg.authorization_type) == "NONE"
	res := {"msg": sprintf("Lambda function URL '%s' requires no authentication", [tf.label(x)]), "path": array.concat(x.cfg_path, ["authorization_type"])}
}
