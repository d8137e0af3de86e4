# The gate of Vigil's self-scan (.ci/run): Vigil's own go.mod and its built
# binary, scanned by Vigil. Every vulnerability fails it unless vigil.yaml at
# the repository root records a decision (a reason and an expiry); one that
# has a fix cannot be waved through that way without saying so here.
#
# Rego rather than gate.fail_on: Go advisories carry no severity (UNKNOWN),
# and fail_on counts only LOW and above.
package vigil

import rego.v1

fixed(v) if {
	v.fixed_version != null
	v.fixed_version != ""
}

deny contains msg if {
	some v in input.vulnerabilities
	not v.suppressed
	fixed(v)
	msg := sprintf("%s: %s %s is vulnerable, fixed in %s: upgrade it", [v.id, v.package.name, v.package.version, v.fixed_version])
}

deny contains msg if {
	some v in input.vulnerabilities
	not v.suppressed
	not fixed(v)
	msg := sprintf("%s: %s %s is vulnerable and has no fix: remove the dependency, or record the decision in vigil.yaml (reason, expires)", [v.id, v.package.name, v.package.version])
}

# A scan that read nothing passes nothing: an unreadable input (a binary over
# the size limit, say) would otherwise show no vulnerabilities.
deny contains msg if {
	some is in input.issues
	msg := sprintf("could not read %s (%s): %s", [is.path, is.extractor, is.message])
}

deny contains "no packages found: the self-scan read nothing" if {
	not has_packages
}

has_packages if input.packages[_]

warn contains msg if {
	some v in input.vulnerabilities
	v.suppressed
	msg := sprintf("%s: %s %s suppressed until %s (vigil.yaml)", [v.id, v.package.name, v.package.version, v.suppressed.expires])
}
