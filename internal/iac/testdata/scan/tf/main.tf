variable "acl" {
  default = "public-read"
}

resource "aws_s3_bucket" "public" {
  bucket = "public"
  acl    = var.acl
}

# vigil:ignore:VGL-TEST-002 legacy bucket, tracked in JIRA-1
resource "aws_s3_bucket" "legacy" {
  bucket = "legacy"
}
