# METADATA
# title: CloudWatch log group has no retention period
# description: >-
#   Without retention_in_days (or with 0) logs are kept forever: unbounded cost and sensitive data kept longer than needed.
# custom:
#   id: VGL-AWS-027
#   severity: LOW
#   input: terraform
#   remediation: Set retention_in_days (for example 365 for audit logs, less for debug logs).
#   references: ["https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention"]
#   controls: {}
package vigil.checks.terraform.aws.cloudwatch_log_group_retention

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_cloudwatch_log_group")
	no_retention(x.cfg)
	res := {"msg": sprintf("Log group '%s' has no retention period", [tf.label(x)]), "path": tf.attr_path(x, "retention_in_days")}
}

no_retention(cfg) if not tf.has_key(cfg, "retention_in_days")

no_retention(cfg) if tf.num(cfg.retention_in_days) == 0
