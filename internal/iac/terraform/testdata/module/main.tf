resource "aws_s3_bucket" "logs" {
  bucket = local.name
  acl    = "public-read" // vigil:ignore:VGL-TEST-002 public website
  tags   = local.tags
}

# vigil:ignore:VGL-TEST-009 whole resource
resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
}

resource "aws_security_group" "web" {
  name = "web-${var.env}"

  ingress {
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = [var.cidr]
  }

  dynamic "egress" {
    for_each = local.ports
    content {
      from_port = egress.value
      protocol  = "tcp"
    }
  }
}

data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:*"]
    resources = ["${aws_s3_bucket.logs.arn}/*"]
  }
}

resource "aws_instance" "x" {
  count         = 2
  ami           = data.aws_ami.ubuntu.id
  user_data     = file("init.sh")
  instance_type = count.index == 0 ? "t3.micro" : "t3.small"
  metadata_options {
    http_tokens = upper("optional")
  }
}
