#!/bin/sh
# Builds strongSwan's load-tester plugin for the installed charon and
# installs it into charon's plugin directory, for the second initiator of
# the side-by-side benchmarks (BenchmarkSetupRateLoadTester,
# docs/BENCHMARKS.md). Debian does not ship the plugin: it is built from
# the Debian source package of the installed strongSwan version (deb-src
# from Debian's archive, in a private apt state directory), configured
# with only what the plugin needs, and only the plugin is compiled. The
# plugin is loaded only by the benchmark's own charon (its strongswan.conf
# lists it and sets plugins.load-tester.enable); the host's charon
# configuration is not changed. Idempotent: does nothing when the plugin is
# already installed. Needs root, gcc and make.
set -eu

plugindir=${PLUGINDIR:-/usr/lib/ipsec/plugins}
so=$plugindir/libstrongswan-load-tester.so
if [ -e "$so" ]; then
	echo "load-tester: $so already installed"
	exit 0
fi
[ -d "$plugindir" ] || { echo "load-tester: $plugindir missing: install strongswan-charon first" >&2; exit 1; }

work=$(mktemp -d /tmp/flexvpnd-load-tester.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/parts"
cat >"$work/apt/parts/debian-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/apt/parts -o Dir::State::Lists=$work/apt/lists"
# shellcheck disable=SC2086
apt-get $apt_opts update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }

version=$(dpkg-query -W -f='${Version}' strongswan-charon)
cd "$work"
# Only the upstream tarball is needed (the plugin is unpatched by Debian):
# some mirrors serve it but not every version's .dsc or Debian diff, so
# apt-get may fail after fetching it. Any bookworm strongSwan 5.9.8 has
# the installed charon's plugin ABI.
# shellcheck disable=SC2086
apt-get $apt_opts source --download-only "strongswan=$version" >>"$work/apt.log" 2>&1 ||
	apt-get $apt_opts source --download-only strongswan >>"$work/apt.log" 2>&1 || true
ls strongswan_*.orig.tar.bz2 >/dev/null 2>&1 || { cat "$work/apt.log" >&2; echo "load-tester: no strongSwan source tarball" >&2; exit 1; }
tar xjf strongswan_*.orig.tar.bz2
cd strongswan-*/
echo "load-tester: configuring $(basename "$PWD") (a few minutes)"
./configure --prefix=/usr --sysconfdir=/etc --libdir=/usr/lib \
	--with-ipsecdir=/usr/lib/ipsec --with-plugindir=$plugindir \
	--disable-defaults --enable-charon --enable-ikev2 --enable-load-tester >"$work/configure.log" 2>&1 ||
	{ tail -30 "$work/configure.log" >&2; exit 1; }
make -C src/libcharon/plugins/load_tester -j2 >"$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; }
install -m 0644 src/libcharon/plugins/load_tester/.libs/libstrongswan-load-tester.so "$so"
echo "load-tester: installed $so"
