# -*- encoding: utf-8 -*-

Gem::Specification.new do |s|
  s.name = "broken
  s.version = "1.0"
end
