#!/bin/bash
# A registry on TLS with a certificate made here by openssl: refused as
# untrusted (the error names the way out), read with --tls-verify=false and
# with --cert-dir holding the certificate; push over TLS too.
. "$(dirname "$0")/common.sh"
t_plan 8

make_cert "$T_DIR/certs"
reg_start tls "  tls:
    certificate: $T_DIR/certs/domain.crt
    key: $T_DIR/certs.key"
[ -n "$REG_PORT" ] || t_skip_all "docker-registry did not start: $(tail -n 3 "$REG_LOG")"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-cert-dir "$T_DIR/certs" "docker-archive:$BUILDER" "docker://$R/b/busybox:1" ||
  t_skip_all "skopeo could not seed the TLS registry"

"$S2I" pull "$R/b/busybox:1" > /dev/null 2> "$T_DIR/untrusted.err"
t_eq "an untrusted certificate: exit 1" "$?" "1"
t_grep "... the error says TLS failed and suggests --cert-dir or --tls-verify=false (loopback)" \
  "registry $R: .*TLS failed.*--cert-dir.*--tls-verify=false" "$T_DIR/untrusted.err"
"$S2I" pull -q --tls-verify=false "$R/b/busybox:1" > /dev/null 2> "$T_DIR/noverify.err"
t_eq "--tls-verify=false pulls over TLS" "$?" "0"
rm -rf "$S2I_STORE"
"$S2I" pull -q --cert-dir "$T_DIR/certs" "$R/b/busybox:1" > /dev/null 2> "$T_DIR/certdir.err"
t_eq "--cert-dir with the certificate pulls, verified" "$?" "0"
t_check "the pulled image is in the store" skopeo inspect "oci:$S2I_STORE:$R/b/busybox:1"
app_src "$T_DIR/src"
"$S2I" build -q --cert-dir "$T_DIR/certs" "$T_DIR/src" "$R/b/busybox:1" "$R/apps/site:1" --push \
  > /dev/null 2> "$T_DIR/push.err"
t_eq "build --push over verified TLS" "$?" "0"
t_check "skopeo reads what was pushed" skopeo inspect --cert-dir "$T_DIR/certs" "docker://$R/apps/site:1"
"$S2I" pull --cert-dir "$T_DIR/nowhere" "$R/b/busybox:1" > /dev/null 2> "$T_DIR/nodir.err"
t_grep "a missing --cert-dir is named" "--cert-dir $T_DIR/nowhere" "$T_DIR/nodir.err"
