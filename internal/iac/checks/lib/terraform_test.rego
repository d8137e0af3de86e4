package vigil.lib.terraform_test

import data.vigil.lib.terraform as tf
import rego.v1

bucket := {"r": {"type": "aws_s3_bucket", "name": "logs"}, "cfg": {"bucket": "my-logs"}}

test_refers if {
	tf.refers("aws_s3_bucket.logs.id", bucket)
	tf.refers("${aws_s3_bucket.logs.arn}/*", bucket)
	tf.refers(["x", "aws_s3_bucket.logs"], bucket)
	tf.refers("my-logs", bucket)
	not tf.refers("aws_s3_bucket.logs2.id", bucket)
	not tf.refers("aws_s3_bucket.logs-old.id", bucket)
	not tf.refers("module.aws_s3_bucket.logs", bucket)
	not tf.refers(null, bucket)
}

test_num if {
	tf.num("22") == 22
	tf.num(22) == 22
	not tf.num("var.port")
	not tf.num(null)
}

test_missing_or_false if {
	tf.missing_or_false({}, "a")
	tf.missing_or_false({"a": "false"}, "a")
	not tf.missing_or_false({"a": null}, "a")
	not tf.missing_or_false({"a": true}, "a")
}

test_block_attr_path if {
	x := {"cfg": {"v": [{"a": 1}]}, "cfg_path": ["resources", 0, "config"]}
	tf.block_attr_path(x, "v", "a") == ["resources", 0, "config", "v", 0, "a"]
	tf.block_attr_path(x, "v", "b") == ["resources", 0, "config", "v", 0]
	tf.block_attr_path(x, "w", "b") == ["resources", 0, "config"]
}

test_data_sources_excluded if {
	inp := {"resources": [{"type": "aws_s3_bucket", "name": "a", "mode": "data", "config": {}}, {"type": "aws_s3_bucket", "name": "b", "config": {}}]}
	[x.r.name | some x in tf.resources_of("aws_s3_bucket")] with input as inp == ["b"]
}
