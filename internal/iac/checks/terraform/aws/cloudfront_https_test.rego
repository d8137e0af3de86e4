package vigil.checks.terraform.aws.cloudfront_https_test

import data.vigil.checks.terraform.aws.cloudfront_https as check
import data.vigil.lib.fixtures as f
import rego.v1

test_allow_all if {
	r := check.deny with input as f.tf([["aws_cloudfront_distribution", "d", {"default_cache_behavior": [{"viewer_protocol_policy": "redirect-to-https"}], "ordered_cache_behavior": [{"viewer_protocol_policy": "allow-all"}]}]])
	[x.path | some x in r] == [["resources", 0, "config", "ordered_cache_behavior", 0, "viewer_protocol_policy"]]
}

test_https if {
	count(check.deny) == 0 with input as f.tf([["aws_cloudfront_distribution", "d", {"default_cache_behavior": [{"viewer_protocol_policy": "https-only"}]}]])
}
