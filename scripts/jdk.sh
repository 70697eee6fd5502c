# Sourced by the project's scripts: sets PEERLINK_JAVA_HOME to a JDK >= 21, or exits with one sentence.
# JAVA_HOME wins when it qualifies; otherwise the newest JDK >= 21 under /usr/lib/jvm.

peerlink_jdk_major() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

peerlink_find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(peerlink_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then PEERLINK_JAVA_HOME=$JAVA_HOME; return 0; fi
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -d "$candidate" ] || continue
    major=$(peerlink_jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$candidate; best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "peerlink needs a JDK 21 or newer, and found none in JAVA_HOME or /usr/lib/jvm: install one (for example Temurin 21+) or set JAVA_HOME to it." >&2
    exit 1
  fi
  PEERLINK_JAVA_HOME=$best
}

peerlink_find_jdk
export JAVA_HOME=$PEERLINK_JAVA_HOME
PEERLINK_JAVA_MAJOR=$(peerlink_jdk_major "$JAVA_HOME")
# JDK 24+ warns about Netty's sun.misc.Unsafe and native-library use unless they are allowed.
PEERLINK_JVM_FLAGS="--enable-native-access=ALL-UNNAMED"
if [ "$PEERLINK_JAVA_MAJOR" -ge 24 ]; then PEERLINK_JVM_FLAGS="$PEERLINK_JVM_FLAGS --sun-misc-unsafe-memory-access=allow"; fi
# Maven itself runs on this JDK too; keep JDK 24+'s warnings about its libraries out of the output.
if [ "$PEERLINK_JAVA_MAJOR" -ge 24 ]; then
  case "${MAVEN_OPTS:-}" in *sun-misc-unsafe*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
fi

peerlink_require_maven() {
  command -v mvn >/dev/null 2>&1 || {
    echo "peerlink builds with Apache Maven, and 'mvn' is not on PATH: install it (apt-get install maven)." >&2
    exit 1
  }
}
