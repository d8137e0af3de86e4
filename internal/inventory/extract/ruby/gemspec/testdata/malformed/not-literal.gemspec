# frozen_string_literal: true

require_relative "lib/foo/version"

Gem::Specification.new do |spec|
  spec.name = "foo"
  spec.version = Foo::VERSION
  spec.authors = ["A. Person"]
  spec.summary = "hand-written: Ruby code, not a RubyGems specification"
end
