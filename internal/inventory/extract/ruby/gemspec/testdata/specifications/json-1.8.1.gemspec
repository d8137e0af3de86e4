# -*- encoding: utf-8 -*-

Gem::Specification.new do |s|
  s.name = "json"
  s.version = "1.8.1"

  s.required_rubygems_version = Gem::Requirement.new(">= 0") if s.respond_to? :required_rubygems_version=
  s.authors = ["Florian Frank"]
  s.date = "2013-10-17"
  s.email = "flori@ping.de"
  s.license = "Ruby"
  s.require_paths = ["lib"]
  s.rubygems_version = "1.8.23"
  s.summary = "JSON Implementation for Ruby"
end
