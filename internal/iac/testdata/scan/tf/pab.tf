resource "aws_s3_bucket_public_access_block" "public" {
  bucket = aws_s3_bucket.public.id
}
