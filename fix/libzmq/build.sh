#!/usr/bin/env bash
# Builds libzmq 4.3.4 with the kit's two patches (rep-stale-hwm.patch, then router-handover.patch) into
# build/libzmq-rep-stale-hwm/libzmq.so.5, for
#   ./jbang libzmq --libzmq build/libzmq-rep-stale-hwm/libzmq.so.5
# Sources: Debian's source package zeromq3 (apt-get source needs a deb-src entry beside the system's Debian source),
# or a libzmq 4.3.4 source tarball given as the first argument. Needs cmake, gcc and g++; about a minute on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/build/libzmq
out=$root/build/libzmq-rep-stale-hwm
mkdir -p "$work"
cd "$work"
if [ $# -ge 1 ]; then
  tarball=$(cd "$OLDPWD" && realpath "$1")
else
  apt-get source --download-only zeromq3 >/dev/null
  tarball=$(ls "$work"/zeromq3_4.3.4*.orig.tar.gz)
fi
rm -rf libzmq-4.3.4
tar xzf "$tarball"
cd libzmq-4.3.4
for p in rep-stale-hwm router-handover; do
  patch -s -p1 --fuzz=0 < "$root/fix/libzmq/$p.patch"
done
cmake -S . -B b -DBUILD_STATIC=OFF -DBUILD_TESTS=OFF -DWITH_DOCS=OFF -DENABLE_CURVE=OFF -DWITH_LIBSODIUM=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build b -j2 --target libzmq >/dev/null
mkdir -p "$out"
cp -L b/lib/libzmq.so.5 "$out/libzmq.so.5.tmp" && mv "$out/libzmq.so.5.tmp" "$out/libzmq.so.5"
echo "OK $out/libzmq.so.5"
