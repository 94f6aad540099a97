# Sourced, with JAVA_HOME and CP set, by ./fasterdit (the checkout) and bin/fasterdit (the distribution):
# the JVM flags, a one-time warm-up of the natives, then the CLI in place of the shell.
JAVA_OPTS=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Djava.awt.headless=true)
WARM="$HOME/.javacpp/.fasterdit-warm"
if [[ ! -f "$WARM" ]]; then
  # The first load of the natives on a machine can crash while extracting them (see NativeWarmup); retry once.
  "$JAVA_HOME/bin/java" "${JAVA_OPTS[@]}" -XX:ErrorFile=/tmp/fasterdit-warmup-hs_err_%p.log -cp "$CP" org.fasterdit.torch.NativeWarmup >/dev/null 2>&1 \
    || "$JAVA_HOME/bin/java" "${JAVA_OPTS[@]}" -XX:ErrorFile=/tmp/fasterdit-warmup-hs_err_%p.log -cp "$CP" org.fasterdit.torch.NativeWarmup >/dev/null
  mkdir -p "$(dirname "$WARM")" && touch "$WARM"
fi
# shellcheck disable=SC2086  # FASTERDIT_JVM_OPTS is a list of flags
exec "$JAVA_HOME/bin/java" "${JAVA_OPTS[@]}" ${FASTERDIT_JVM_OPTS:-} -cp "$CP" org.fasterdit.cli.Main "$@"
