# METADATA
# title: CloudFront allows plain HTTP to viewers
# description: >-
#   A cache behavior with viewer_protocol_policy allow-all serves content over unencrypted HTTP.
# custom:
#   id: VGL-AWS-050
#   severity: MEDIUM
#   input: terraform
#   remediation: Set viewer_protocol_policy to redirect-to-https or https-only.
#   references: ["https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-viewers-to-cloudfront.html"]
#   controls: {}
package vigil.checks.terraform.aws.cloudfront_https

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudfront_distribution")
	some block in ["default_cache_behavior", "ordered_cache_behavior"]
	some j, b in tf.blocks(x.cfg, block)
	b.viewer_protocol_policy == "allow-all"
	res := {"msg": sprintf("CloudFront distribution '%s' allows HTTP (%s)", [tf.label(x), block]), "path": array.concat(x.cfg_path, [block, j, "viewer_protocol_policy"])}
}
