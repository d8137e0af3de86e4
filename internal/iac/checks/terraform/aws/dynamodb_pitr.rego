# METADATA
# title: DynamoDB table without point-in-time recovery
# description: >-
#   Without point-in-time recovery, deleted or corrupted items cannot be restored to a moment within the last 35 days.
# custom:
#   id: VGL-AWS-035
#   severity: MEDIUM
#   input: terraform
#   remediation: Set point_in_time_recovery { enabled = true }.
#   references: ["https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html"]
#   controls: {}
package vigil.checks.terraform.aws.dynamodb_pitr

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_dynamodb_table"]
	some x in tf.resources_of(t)
	not ok(x)
	res := {"msg": sprintf("'%s' does not enable point-in-time recovery", [tf.label(x)]), "path": tf.block_attr_path(x, "point_in_time_recovery", "enabled")}
}

ok(x) if tf.attr_true(tf.block0(x.cfg, "point_in_time_recovery"), "enabled")

ok(x) if tf.is_unknown(tf.block0(x.cfg, "point_in_time_recovery"), "enabled")
