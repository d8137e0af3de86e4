# METADATA
# title: CloudTrail not integrated with CloudWatch Logs
# description: >-
#   Without cloud_watch_logs_group_arn the trail's events cannot drive metric filters and alarms (root login, IAM changes ...).
# custom:
#   id: VGL-AWS-046
#   severity: LOW
#   input: terraform
#   remediation: Set cloud_watch_logs_group_arn and cloud_watch_logs_role_arn.
#   references: ["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html"]
#   controls: {cis_aws: "3.4"}
package vigil.checks.terraform.aws.cloudtrail_cloudwatch

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudtrail")
	not tf.has_key(x.cfg, "cloud_watch_logs_group_arn")
	res := {"msg": sprintf("CloudTrail '%s' does not send events to CloudWatch Logs", [tf.label(x)]), "path": x.cfg_path}
}
