#!/usr/bin/env bash
# Installs the system packages the tests need: Debian's `zookeeper` (Apache ZooKeeper 3.8 + zkCli; it pulls in
# libnetty-java, whose jars zkCli's TLS socket and the secureClientPort need), a Java runtime, `chromium` (the
# dashboard's browser test drives it with playwright-core, which never downloads a browser), and kazoo with
# pure-sasl for the system python3 (the TLS/SASL tests drive Apache's Python client against the embedded server). Idempotent: does nothing when they are already present. Installs only as root with apt-get;
# otherwise says what to install and fails, because the Apache ZooKeeper tests cannot run without it.
set -euo pipefail

ZK_JAR=/usr/share/java/zookeeper.jar
CHROMIUM=/usr/bin/chromium

# Chromium first and on its own: a missing browser must not hide the ZooKeeper check below.
if [ -x "$CHROMIUM" ]; then
  echo "system deps: chromium ($CHROMIUM) already installed"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  echo "system deps: installing chromium with apt-get"
  apt-get update -q
  apt-get install -y -q --no-install-recommends chromium
else
  echo "system deps: chromium is missing (the dashboard browser test needs it): apt-get install -y chromium" >&2
  exit 1
fi

# kazoo next, also on its own, for /usr/bin/python3 (Debian's packages; not pip).
if /usr/bin/python3 -c "import kazoo, puresasl" >/dev/null 2>&1; then
  echo "system deps: python3-kazoo and python3-pure-sasl already installed"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  echo "system deps: installing python3-kazoo python3-pure-sasl with apt-get"
  apt-get update -q
  apt-get install -y -q --no-install-recommends python3-kazoo python3-pure-sasl
else
  echo "system deps: kazoo is missing (the TLS/SASL tests need it): apt-get install -y python3-kazoo python3-pure-sasl" >&2
  exit 1
fi

have_deps() {
  command -v java >/dev/null 2>&1 && [ -f "$ZK_JAR" ]
}

if have_deps; then
  echo "system deps: java and Apache ZooKeeper ($ZK_JAR) already installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  echo "system deps: installing zookeeper with apt-get"
  apt-get update -q
  apt-get install -y -q --no-install-recommends zookeeper
  command -v java >/dev/null 2>&1 || apt-get install -y -q --no-install-recommends default-jre-headless
fi

if have_deps; then
  echo "system deps: installed"
  exit 0
fi

cat >&2 <<MSG
system deps: missing Apache ZooKeeper and/or Java, needed by the tests that run against real ZooKeeper.
  On Debian/Ubuntu, as root:  apt-get update && apt-get install -y zookeeper
  (provides $ZK_JAR, /usr/share/zookeeper/bin/zkCli.sh and pulls in a Java runtime)
MSG
exit 1
