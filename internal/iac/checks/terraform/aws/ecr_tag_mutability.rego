# METADATA
# title: ECR repository allows mutable tags
# description: >-
#   With MUTABLE tags (the default) a pushed image can silently replace the one a tag pointed to.
# custom:
#   id: VGL-AWS-030
#   severity: MEDIUM
#   input: terraform
#   remediation: Set image_tag_mutability to IMMUTABLE.
#   references: ["https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html"]
#   controls: {}
package vigil.checks.terraform.aws.ecr_tag_mutability

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_ecr_repository")
	not tf.is_unknown(x.cfg, "image_tag_mutability")
	not startswith(tf.upper_str(object.get(x.cfg, "image_tag_mutability", "MUTABLE")), "IMMUTABLE")
	res := {"msg": sprintf("ECR repository '%s' allows mutable tags", [tf.label(x)]), "path": tf.attr_path(x, "image_tag_mutability")}
}
