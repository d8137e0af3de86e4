package vigil.checks.dockerfile.add_url_test

import data.vigil.checks.dockerfile.add_url as check
import data.vigil.lib.fixtures as f
import rego.v1

test_url if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["add", "https://example.com/tool.tgz /opt/"]])
	r == {{"msg": "ADD downloads https://example.com/tool.tgz without a checksum", "path": ["instructions", 1]}}
}

test_local_or_checksum if {
	inp := f.dockerfile([["from", "alpine:3.20"], ["add", "rootfs.tar.gz /"], ["add", "https://example.com/tool.tgz /opt/"]])
	count(check.deny) == 0 with input as json.patch(inp, [{"op": "replace", "path": "/instructions/2/flags", "value": ["--checksum=sha256:abc"]}])
}
