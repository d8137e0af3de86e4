resource "aws_s3_bucket" "a" {
  bucket = "x"

resource "aws_s3_bucket" "b" {
