package user.fail_test

import rego.v1

test_passes if true

test_fails if {
	1 == 2
}
