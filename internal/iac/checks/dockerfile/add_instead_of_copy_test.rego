package vigil.checks.dockerfile.add_instead_of_copy_test

import data.vigil.checks.dockerfile.add_instead_of_copy as check
import data.vigil.lib.fixtures as f
import rego.v1

test_local_file if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["add", "app.py /app/"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_archive_and_url if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["add", "rootfs.tar.xz /"], ["add", "https://example.com/x /x"], ["copy", "app.py /app/"]])
}
