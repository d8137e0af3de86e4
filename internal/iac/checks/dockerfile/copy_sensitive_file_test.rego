package vigil.checks.dockerfile.copy_sensitive_file_test

import data.vigil.checks.dockerfile.copy_sensitive_file as check
import data.vigil.lib.fixtures as f
import rego.v1

test_key if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["copy", "id_rsa .npmrc /root/"], ["copy", "certs/server.key /etc/ssl/"]])
	{x.msg | some x in r} == {"COPY copies sensitive file id_rsa into the image", "COPY copies sensitive file .npmrc into the image", "COPY copies sensitive file certs/server.key into the image"}
}

test_ordinary if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["copy", "app.py keys.go env.example /app/"], ["copy", ".env.example config.yaml /app/"]])
}
