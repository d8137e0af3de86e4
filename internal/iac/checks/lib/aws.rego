# METADATA
# title: AWS helpers
# description: >-
#   Normalises AWS constructs that several checks share: IAM policy statements
#   from every place a policy can be written, and security group ingress rules
#   from the three resource types that can express them.
package vigil.lib.aws

import data.vigil.lib.terraform as tf
import rego.v1

open_cidrs := {"0.0.0.0/0", "::/0"}

# ---------------------------------------------------------------- IAM ------

policy_types := ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"]

# documents contains {"doc": <policy document object>, "path": [...], "label": addr}.
documents contains {"doc": doc, "path": array.concat(x.cfg_path, ["policy"]), "label": tf.label(x)} if {
	some t in policy_types
	some x in tf.resources_of(t)
	doc := policy_doc(x.cfg.policy)
}

documents contains {"doc": doc, "path": array.concat(x.cfg_path, ["inline_policy", j, "policy"]), "label": tf.label(x)} if {
	some x in tf.resources_of("aws_iam_role")
	some j, b in tf.blocks(x.cfg, "inline_policy")
	doc := policy_doc(b.policy)
}

policy_doc(p) := doc if {
	is_string(p)
	json.is_valid(p)
	doc := json.unmarshal(p)
	is_object(doc)
} else := p if is_object(p)

# raw_statements of a document as [index, statement, is_list].
doc_statements(d) := [[j, s] | some j, s in d.doc.Statement; is_object(s)] if is_array(d.doc.Statement)

else := [["", d.doc.Statement]] if is_object(d.doc.Statement)

else := []

# statements contains normalised statements:
# {"effect", "actions", "resources", "not_actions", "conditional", "path", "label"}.
statements contains st if {
	some d in documents
	some pair in doc_statements(d)
	s := pair[1]
	st := {
		"effect": object.get(s, "Effect", "Allow"),
		"actions": tf.strs(object.get(s, "Action", [])),
		"not_actions": tf.strs(object.get(s, "NotAction", [])),
		"resources": tf.strs(object.get(s, "Resource", [])),
		"conditional": object.get(s, "Condition", null) != null,
		"resource_policy": object.get(s, "Principal", null) != null,
		"path": statement_path(d, pair[0]),
		"label": d.label,
	}
}

# A JSON string can't be addressed inside; point at the policy attribute.
statement_path(d, j) := d.path if j == ""

else := d.path if is_string(object.get(input, d.path, ""))

else := array.concat(d.path, ["Statement", j])

statements contains st if {
	some x in tf.data_sources_of("aws_iam_policy_document")
	some j, s in tf.blocks(x.cfg, "statement")
	st := {
		"effect": effect_of(s),
		"actions": tf.strs(object.get(s, "actions", [])),
		"not_actions": tf.strs(object.get(s, "not_actions", [])),
		"resources": tf.strs(object.get(s, "resources", [])),
		"conditional": count(tf.blocks(s, "condition")) > 0,
		"resource_policy": count(array.concat(tf.blocks(s, "principals"), tf.blocks(s, "not_principals"))) > 0,
		"path": array.concat(x.cfg_path, ["statement", j]),
		"label": tf.label(x),
	}
}

effect_of(s) := e if {
	e := s.effect
	is_string(e)
} else := "Allow"

# allow_statements: Allow statements of identity policies. Statements of
# aws_iam_policy_document data sources that name principals belong to resource
# policies (KMS key policies idiomatically grant "kms:*" to the account root,
# bucket policies ...) and are left to resource-specific checks.
allow_statements contains st if {
	some st in statements
	lower(st.effect) == "allow"
	not st.resource_policy
}

# ------------------------------------------------------ security groups ----

# ingress contains {"cidrs", "from", "to", "protocol", "path", "label"}; from/to
# are null when unknown; cidr paths point at the attribute with the CIDR.
ingress contains rule if {
	some x in tf.resources_of("aws_security_group")
	some j, b in tf.blocks(x.cfg, "ingress")
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	cidrs := tf.strs(object.get(b, attr, []))
	rule := {
		"cidrs": cidrs,
		"from": object.get(b, "from_port", null),
		"to": object.get(b, "to_port", null),
		"protocol": object.get(b, "protocol", null),
		"path": array.concat(x.cfg_path, ["ingress", j, attr]),
		"label": tf.label(x),
	}
}

ingress contains rule if {
	some x in tf.resources_of("aws_security_group_rule")
	x.cfg.type == "ingress"
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	cidrs := tf.strs(object.get(x.cfg, attr, []))
	rule := {
		"cidrs": cidrs,
		"from": object.get(x.cfg, "from_port", null),
		"to": object.get(x.cfg, "to_port", null),
		"protocol": object.get(x.cfg, "protocol", null),
		"path": array.concat(x.cfg_path, [attr]),
		"label": tf.label(x),
	}
}

ingress contains rule if {
	some x in tf.resources_of("aws_vpc_security_group_ingress_rule")
	some attr in ["cidr_ipv4", "cidr_ipv6"]
	cidrs := tf.strs(object.get(x.cfg, attr, []))
	rule := {
		"cidrs": cidrs,
		"from": object.get(x.cfg, "from_port", null),
		"to": object.get(x.cfg, "to_port", null),
		"protocol": object.get(x.cfg, "ip_protocol", null),
		"path": array.concat(x.cfg_path, [attr]),
		"label": tf.label(x),
	}
}

# public_ingress: rules open to the whole internet.
public_ingress contains rule if {
	some rule in ingress
	some c in rule.cidrs
	open_cidrs[c]
}

all_protocols(rule) if {
	p := rule.protocol
	is_string(p)
	lower(p) in {"-1", "all"}
}

all_protocols(rule) if rule.protocol == -1

# covers_port(rule, port): the rule admits TCP or UDP traffic to port.
covers_port(rule, _) if all_protocols(rule)

covers_port(rule, port) if {
	not all_protocols(rule)
	not lower(sprintf("%v", [rule.protocol])) in {"icmp", "icmpv6", "1", "58"}
	from := tf.num(rule.from)
	to := tf.num(rule.to)
	from <= port
	port <= to
}

# all_ports(rule): every port of every protocol (or 0-65535 of a protocol).
all_ports(rule) if all_protocols(rule)

all_ports(rule) if {
	tf.num(rule.from) <= 1
	tf.num(rule.to) >= 65535
}

# public_principal(p): an IAM principal that matches everyone.
public_principal("*")

public_principal(p) if {
	is_object(p)
	some v in tf.strs(p.AWS)
	v == "*"
}

# public_statements(doc): Allow statements of a policy document that grant to
# everyone without a Condition, as [index, statement].
public_statements(doc) := [[j, s] |
	some j, s in statements_of(doc)
	lower(object.get(s, "Effect", "")) == "allow"
	public_principal(object.get(s, "Principal", null))
	object.get(s, "Condition", null) == null
]

statements_of(doc) := doc.Statement if is_array(doc.Statement)

else := [doc.Statement] if is_object(doc.Statement)

else := []

# statement_path_in(x, attr, j): path of statement j of the policy in x.cfg[attr]
# (the attribute itself when it is a JSON string).
statement_path_in(x, attr, j) := array.concat(x.cfg_path, [attr, "Statement", j]) if {
	is_object(x.cfg[attr])
	is_array(x.cfg[attr].Statement)
} else := array.concat(x.cfg_path, [attr])

# public_grants(x, attr): paths of statements that grant to everyone without
# a Condition, in the policy held by x.cfg[attr]: inline JSON/jsonencode, or a
# reference to an aws_iam_policy_document data source in the module.
public_grants(x, attr) := {p |
	doc := policy_doc(x.cfg[attr])
	some pair in public_statements(doc)
	p := statement_path_in(x, attr, pair[0])
} | {p |
	some d in tf.data_sources_of("aws_iam_policy_document")
	tf.refers(x.cfg[attr], {"r": {"type": "data.aws_iam_policy_document", "name": d.r.name}, "cfg": {}})
	some j, s in tf.blocks(d.cfg, "statement")
	lower(effect_of(s)) == "allow"
	count(tf.blocks(s, "condition")) == 0
	some pr in tf.blocks(s, "principals")
	pr.type in {"*", "AWS"}
	"*" in tf.strs(pr.identifiers)
	p := array.concat(d.cfg_path, ["statement", j])
}
