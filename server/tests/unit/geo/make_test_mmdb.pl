#!/usr/bin/perl
# Writes the small country database the geo tests look addresses up in
# (MaxMind DB format, Debian's libmaxmind-db-writer-perl). Deterministic: the
# same bytes on every run (fixed build epoch). Only documentation ranges
# (RFC 5737, RFC 3849) and one private range, so no real address is in it.
#   perl make_test_mmdb.pl OUT.mmdb
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: $0 OUT.mmdb\n";

my %types = (
    country            => 'map',
    registered_country => 'map',
    iso_code           => 'utf8_string',
    country_code       => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'Serendip-Test-Country',
    languages                => ['en'],
    description              => { en => 'Serendip test country database' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4       => 1,
    remove_reserved_networks => 0,   # the documentation ranges are reserved
    _build_epoch             => 1_767_225_600,  # 2026-01-01T00:00:00Z
);

# Each shape a real database uses: GeoLite2/DB-IP (country.iso_code),
# ip-location-db (country_code), registered country only.
my @networks = (
    [ '203.0.113.0/24',   { country => { iso_code => 'DE' } } ],           # Europe
    [ '198.51.100.0/25',  { country_code => 'BR' } ],                      # Americas
    [ '198.51.100.128/25',{ country_code => 'fr' } ],                      # lowercase: Europe
    [ '192.0.2.0/25',     { registered_country => { iso_code => 'JP' } } ],# Asia
    [ '192.0.2.128/25',   { country => { iso_code => 'DEU' } } ],          # not a two-letter code
    [ '2001:db8:1::/48',  { country => { iso_code => 'NZ' } } ],           # Oceania
    [ '2001:db8:2::/48',  { country => { iso_code => 'AQ' } } ],           # Antarctica: no region
    [ '192.168.0.0/16',   { country_code => 'AU' } ],  # as some free databases do: must never be used
);
$tree->insert_network(@$_) for @networks;

open my $fh, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
