# METADATA
# title: CloudTrail trail is not multi-region
# description: >-
#   A single-region trail misses API activity in every other region, where an attacker can operate unseen.
# custom:
#   id: VGL-AWS-017
#   severity: MEDIUM
#   input: terraform
#   remediation: Set is_multi_region_trail to true.
#   references: ["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html"]
#   controls: {cis_aws: "3.1"}
package vigil.checks.terraform.aws.cloudtrail_multi_region

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudtrail")
	tf.missing_or_false(x.cfg, "is_multi_region_trail")
	res := {"msg": sprintf("CloudTrail '%s' is not multi-region", [tf.label(x)]), "path": tf.attr_path(x, "is_multi_region_trail")}
}
