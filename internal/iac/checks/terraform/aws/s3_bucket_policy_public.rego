# METADATA
# title: S3 bucket policy grants access to everyone
# description: >-
#   An Allow statement with Principal "*" and no Condition lets anyone on the internet perform the listed actions on the bucket. Policies written inline (JSON or jsonencode) and aws_iam_policy_document data sources of the module are analysed.
# custom:
#   id: VGL-AWS-053
#   severity: HIGH
#   input: terraform
#   remediation: Grant access to specific principals, or restrict with conditions (aws:SourceVpce, aws:PrincipalOrgID ...); serve public content through CloudFront with origin access control.
#   references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"]
#   controls: {}
package vigil.checks.terraform.aws.s3_bucket_policy_public

import data.vigil.lib.aws
import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_s3_bucket_policy")
	some path in aws.public_grants(x, "policy")
	res := {"msg": sprintf("Bucket policy '%s' grants access to everyone without a condition", [tf.label(x)]), "path": path}
}
