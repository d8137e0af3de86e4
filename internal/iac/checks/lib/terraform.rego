# METADATA
# title: Terraform helpers
# description: >-
#   Helpers over a Terraform module: managed resources by type with their
#   paths, nested blocks, reference matching, and normalisation of booleans and
#   numbers that may arrive as strings. Unknown values are null.
package vigil.lib.terraform

import rego.v1

# resources_of(t): managed resources of type t as
# {"r": res, "i": index, "path": ["resources", i], "cfg": config, "cfg_path": [..., "config"]}.
resources_of(t) := s if {
	s := managed[t]
} else := set()

# data_sources_of(t): data sources of type t, same shape.
data_sources_of(t) := s if {
	s := data_sources[t]
} else := set()

types := {r.type | some r in input.resources}

# managed / data_sources: resources grouped by type. Complete rules, so they
# are computed once per evaluation (a keyed partial rule would be re-evaluated
# for every lookup).
managed := {t: {entry(i, r) |
	some i, r in input.resources
	object.get(r, "mode", "managed") != "data"
	r.type == t
} |
	some t in types
}

data_sources := {t: {entry(i, r) |
	some i, r in input.resources
	object.get(r, "mode", "managed") == "data"
	r.type == t
} |
	some t in types
}

entry(i, r) := {"r": r, "i": i, "path": ["resources", i], "cfg": cfg(r), "cfg_path": ["resources", i, "config"]}

cfg(r) := c if {
	c := r.config
	is_object(c)
} else := {}

# blocks(cfg, key): the nested blocks named key (arrays; a single object is accepted).
blocks(cfg, key) := b if {
	b := cfg[key]
	is_array(b)
} else := [b] if {
	b := cfg[key]
	is_object(b)
} else := []

# attr_path(x, key): path of attribute key of resource x, or of its config when absent.
attr_path(x, key) := p if {
	_ = x.cfg[key]
	p := array.concat(x.cfg_path, [key])
} else := x.cfg_path

is_true(v) if v == true

is_true(v) if lower(v) == "true"

is_false(v) if v == false

is_false(v) if lower(v) == "false"

# known(v): v is present and not an unresolved (null) value.
known(v) if v != null

# num(v): numeric value of v (number or numeric string); undefined otherwise.
num(v) := v if is_number(v)

else := to_number(v) if {
	is_string(v)
	regex.match(`^\s*-?[0-9]+(\.[0-9]+)?\s*$`, v)
}

# refers(v, x): value v (string, or any string inside a list) references
# resource x ("aws_s3_bucket.logs.id", "${aws_s3_bucket.logs.arn}"), or equals
# its literal bucket/name attribute.
refers(v, x) if refers_str(v, x)

refers(v, x) if {
	is_array(v)
	some e in v
	refers_str(e, x)
}

refers_str(v, x) if {
	is_string(v)
	pattern := sprintf(`(^|[^\w.-])%s\.%s([^\w-]|$)`, [x.r.type, regex_escape(x.r.name)])
	regex.match(pattern, v)
}

refers_str(v, x) if {
	is_string(v)
	some attr in ["bucket", "name", "id"]
	lit := x.cfg[attr]
	is_string(lit)
	lit != ""
	v == lit
}

regex_escape(s) := strings.replace_n({".": `\.`, "-": `\-`, "[": `\[`, "]": `\]`, "*": `\*`, "\"": `\"`}, s)

# strs(v): v as a list of strings (a single string becomes a one-element list).
strs(v) := [v] if is_string(v)

else := [e | some e in v; is_string(e)] if is_array(v)

else := []

# label(x): the resource's address for messages.
label(x) := a if {
	a := x.r.address
	is_string(a)
} else := sprintf("%s.%s", [x.r.type, x.r.name])

# attr_true(obj, key) / attr_false(obj, key): obj[key] is true/false (bool or
# string). Use these with `not` rather than is_true(obj.key): a call whose
# argument is undefined makes the whole `not` expression undefined.
attr_true(obj, key) if is_true(obj[key])

attr_false(obj, key) if is_false(obj[key])

# attr_known(obj, key): obj[key] is present and not null.
attr_known(obj, key) if obj[key] != null

# has_key(obj, key): key is present (its value may be null or false).
has_key(obj, key) if _ = obj[key]

# is_unknown(obj, key): key is present with an unresolved (null) value.
is_unknown(obj, key) if obj[key] == null

# missing_or_false(obj, key): key absent or explicitly false. Unknown (null)
# values are neither, so checks stay silent on them.
missing_or_false(obj, key) if not has_key(obj, key)

missing_or_false(obj, key) if attr_false(obj, key)

# block0(cfg, key): the first nested block named key.
block0(cfg, key) := b if {
	b := cfg[key][0]
	is_object(b)
} else := b if {
	b := cfg[key]
	is_object(b)
}

# block_attr_path(x, block, attr): path of x.cfg.block[0].attr or of its
# nearest existing parent.
block_attr_path(x, block, attr) := array.concat(x.cfg_path, [block, 0, attr]) if {
	_ = x.cfg[block][0][attr]
} else := array.concat(x.cfg_path, [block, 0]) if {
	is_object(x.cfg[block][0])
} else := array.concat(x.cfg_path, [block]) if {
	_ = x.cfg[block]
} else := x.cfg_path

# referencing(t, attr, x): resources of type t whose attribute attr refers to x.
referencing(t, attr, x) := {y |
	some y in resources_of(t)
	refers(y.cfg[attr], x)
}

# upper_str(v): upper-cased string value, "" for non-strings.
upper_str(v) := upper(v) if is_string(v)

else := ""

# unresolved(t, attr): some resource of type t has an unknown (null) attr, for
# example `bucket = aws_s3_bucket.this[each.key].id`. Cross-resource checks stay
# silent about "no related resource" then: the join cannot be decided.
unresolved(t, attr) if {
	some y in resources_of(t)
	is_unknown(y.cfg, attr)
}
