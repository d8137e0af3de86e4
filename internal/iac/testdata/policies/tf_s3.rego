# METADATA
# title: Test public S3 bucket
# description: A bucket has a public ACL or no public access block.
# custom:
#   id: VGL-TEST-002
#   severity: CRITICAL
#   input: terraform
#   remediation: Use a private ACL and an aws_s3_bucket_public_access_block.
package vigil.checks.terraform.test_s3

import rego.v1

deny contains res if {
	some i, r in input.resources
	r.type == "aws_s3_bucket"
	r.config.acl == "public-read"
	res := {"msg": sprintf("%s has a public ACL", [r.address]), "path": ["resources", i, "config", "acl"]}
}

# cross-resource join: a bucket without a public access block
deny contains res if {
	some i, r in input.resources
	r.type == "aws_s3_bucket"
	not blocked(r)
	res := {"msg": sprintf("%s has no public access block", [r.address]), "path": ["resources", i]}
}

blocked(b) if {
	some p in input.resources
	p.type == "aws_s3_bucket_public_access_block"
	p.config.bucket == sprintf("%s.id", [b.address])
}
