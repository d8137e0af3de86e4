# METADATA
# title: ECR repository does not scan images on push
# description: >-
#   image_scanning_configuration.scan_on_push is not enabled and no registry-level scanning configuration is declared, so vulnerable images are not flagged when pushed.
# custom:
#   id: VGL-AWS-031
#   severity: MEDIUM
#   input: terraform
#   remediation: Set image_scanning_configuration { scan_on_push = true } or configure aws_ecr_registry_scanning_configuration.
#   references: ["https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html"]
#   controls: {}
package vigil.checks.terraform.aws.ecr_scan_on_push

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	count(tf.resources_of("aws_ecr_registry_scanning_configuration")) == 0
	some x in tf.resources_of("aws_ecr_repository")
	not scans(x)
	res := {"msg": sprintf("ECR repository '%s' does not scan images on push", [tf.label(x)]), "path": tf.block_attr_path(x, "image_scanning_configuration", "scan_on_push")}
}

scans(x) if tf.attr_true(tf.block0(x.cfg, "image_scanning_configuration"), "scan_on_push")

scans(x) if tf.is_unknown(tf.block0(x.cfg, "image_scanning_configuration"), "scan_on_push")
