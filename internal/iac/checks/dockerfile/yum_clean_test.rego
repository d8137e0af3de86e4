package vigil.checks.dockerfile.yum_clean_test

import data.vigil.checks.dockerfile.yum_clean as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.dockerfile([["from", "rockylinux:9"], ["run", "dnf install -y httpd"]])
	r == {{"msg": "dnf install runs without 'dnf clean all'", "path": ["instructions", 1]}}
}

test_clean if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "rockylinux:9"], ["run", "yum install -y httpd && yum clean all"]])
}
