# -*- encoding: utf-8 -*-
# stub: rack 2.0.8 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "2.0.8"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Leah Neukirchen".freeze]
  s.bindir = "bin".freeze
  s.date = "2019-12-18"
  s.email = "leah@vuxu.org".freeze
  s.executables = ["rackup".freeze]
  s.homepage = "https://rack.github.io/".freeze
  s.licenses = ["MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.2.2".freeze)
  s.rubygems_version = "2.7.6.2".freeze
  s.summary = "a modular Ruby webserver interface".freeze

  s.installed_by_version = "2.7.6.2" if s.respond_to? :installed_by_version

  if s.respond_to? :specification_version then
    s.specification_version = 4

    if Gem::Version.new(Gem::VERSION) >= Gem::Version.new('1.2.0') then
      s.add_development_dependency(%q<minitest>.freeze, ["~> 5.0"])
    else
      s.add_dependency(%q<minitest>.freeze, ["~> 5.0"])
    end
  else
    s.add_dependency(%q<minitest>.freeze, ["~> 5.0"])
  end
end
