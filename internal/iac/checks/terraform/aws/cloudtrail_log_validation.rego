# METADATA
# title: CloudTrail log file validation disabled
# description: >-
#   Without log file validation, modified or deleted log files cannot be detected.
# custom:
#   id: VGL-AWS-018
#   severity: MEDIUM
#   input: terraform
#   remediation: Set enable_log_file_validation to true.
#   references: ["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html"]
#   controls: {cis_aws: "3.2"}
package vigil.checks.terraform.aws.cloudtrail_log_validation

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudtrail")
	tf.missing_or_false(x.cfg, "enable_log_file_validation")
	res := {"msg": sprintf("CloudTrail '%s' does not validate log files", [tf.label(x)]), "path": tf.attr_path(x, "enable_log_file_validation")}
}
