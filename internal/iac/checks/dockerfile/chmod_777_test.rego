package vigil.checks.dockerfile.chmod_777_test

import data.vigil.checks.dockerfile.chmod_777 as check
import data.vigil.lib.fixtures as f
import rego.v1

test_777 if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "mkdir /data && chmod -R 777 /data"]])
	r == {{"msg": "RUN makes files world-writable (chmod -R 777 /data)", "path": ["instructions", 1]}}
}

test_copy_flag if {
	inp := json.patch(f.dockerfile([["from", "alpine:3.20"], ["copy", "a /a"]]), [{"op": "replace", "path": "/instructions/1/flags", "value": ["--chmod=0666"]}])
	r := check.deny with input as inp
	count(r) == 1
}

test_safe if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["run", "chmod 755 /app/run && chmod u+x /app/x && chmod 0640 /etc/app.conf"]])
}

test_symbolic_and_sticky if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "chmod 1777 /tmp && chmod o+w /srv && chmod ugo+rwx /x"]])
	{x.msg | some x in r} == {"RUN makes files world-writable (chmod o+w /srv)", "RUN makes files world-writable (chmod ugo+rwx /x)"}
}
