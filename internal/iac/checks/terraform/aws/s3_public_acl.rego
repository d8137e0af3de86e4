# METADATA
# title: S3 bucket has a public ACL
# description: >-
#   A canned ACL of public-read, public-read-write or authenticated-read (or a grant to the AllUsers / AuthenticatedUsers groups) exposes the bucket. Not reported when a public access block for the bucket ignores public ACLs.
# custom:
#   id: VGL-AWS-001
#   severity: HIGH
#   input: terraform
#   remediation: Remove the public ACL (use bucket policies with least privilege and keep ACLs disabled).
#   references: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"]
#   controls: {cis_aws: "2.1.5"}
package vigil.checks.terraform.aws.s3_public_acl

import data.vigil.lib.terraform as tf
import rego.v1

public_acls := {"public-read", "public-read-write", "authenticated-read"}

public_groups := `(?i)acs\.amazonaws\.com/groups/global/(AllUsers|AuthenticatedUsers)`

deny contains res if {
	some x in tf.resources_of("aws_s3_bucket")
	public_acls[x.cfg.acl]
	not ignored(x)
	res := {"msg": sprintf("S3 bucket '%s' has public ACL '%s'", [tf.label(x), x.cfg.acl]), "path": array.concat(x.cfg_path, ["acl"])}
}

deny contains res if {
	some a in tf.resources_of("aws_s3_bucket_acl")
	public_acls[a.cfg.acl]
	not acl_ignored(a)
	res := {"msg": sprintf("S3 bucket ACL '%s' is '%s'", [tf.label(a), a.cfg.acl]), "path": array.concat(a.cfg_path, ["acl"])}
}

deny contains res if {
	some a in tf.resources_of("aws_s3_bucket_acl")
	some i, p in tf.blocks(a.cfg, "access_control_policy")
	some j, g in tf.blocks(p, "grant")
	some k, grantee in tf.blocks(g, "grantee")
	regex.match(public_groups, object.get(grantee, "uri", ""))
	not acl_ignored(a)
	res := {
		"msg": sprintf("S3 bucket ACL '%s' grants %v to %s", [tf.label(a), object.get(g, "permission", "?"), grantee.uri]),
		"path": array.concat(a.cfg_path, ["access_control_policy", i, "grant", j, "grantee", k, "uri"]),
	}
}

# A public access block with ignore_public_acls makes ACLs ineffective.
ignored(bucket) if {
	some pab in tf.referencing("aws_s3_bucket_public_access_block", "bucket", bucket)
	tf.attr_true(pab.cfg, "ignore_public_acls")
}

ignored(_) if {
	some pab in tf.resources_of("aws_s3_account_public_access_block")
	tf.attr_true(pab.cfg, "ignore_public_acls")
}

acl_ignored(a) if {
	some b in tf.resources_of("aws_s3_bucket")
	tf.refers(a.cfg.bucket, b)
	ignored(b)
}

acl_ignored(_) if {
	some pab in tf.resources_of("aws_s3_account_public_access_block")
	tf.attr_true(pab.cfg, "ignore_public_acls")
}
