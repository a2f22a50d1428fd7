#!/bin/bash
# s2i serve refuses a bad config at start, naming the key and the problem,
# and refuses a config or secret file other users can read.
. "$(dirname "$0")/common.sh"
t_plan 16
t_need curl jq
fx_busybox_builder
mkdir -p "$W"

"$S2I" serve > "$W/out" 2>&1
t_eq "no --config: usage error (exit 2)" "$?" 2
t_grep "no --config: says what is missing" 'config FILE is required' "$W/out"

# refuse CONFIG PATTERN DESCRIPTION: serve exits 1 naming the problem and
# leaves no state dir behind.
refuse() {
  rm -rf "$W/state"
  timeout 10 "$S2I" serve --config "$1" > "$W/out" 2>&1
  local rc=$?
  if [ "$rc" = 1 ] && grep -Eq -- "$2" "$W/out" && [ ! -e "$W/state" ]; then
    t_ok "$3"
  else
    t_fail "$3 (exit $rc, no /$2/ or state dir made)"; sed 's/^/    # /' "$W/out"
  fi
}

sv_config "$W/typo.json" '{"type": "none"}' ', "bulder": "x"'
refuse "$W/typo.json" 'apps\[0\]\.bulder: unknown key' "an unknown key is named"

sv_config "$W/loose.json" '{"type": "none"}'
chmod 644 "$W/loose.json"
refuse "$W/loose.json" "loose.json: permissions 0644 are too open" \
  "a config with a secret readable by others is refused"

printf 'from-a-file-secret\n' > "$W/secret"
chmod 640 "$W/secret"
cat > "$W/sf.json" <<JSON
{"state_dir": "$W/state", "apps": [{"name": "site", "source": "x",
 "builder": "b", "secret_file": "secret"}]}
JSON
chmod 644 "$W/sf.json"
refuse "$W/sf.json" "secret_file: .*secret: permissions 0640 are too open" \
  "a loose secret_file is refused"

sv_config "$W/reg.json" '{"type": "registry", "dest": ""}'
refuse "$W/reg.json" 'deploy.dest: must be a non-empty string' \
  "a registry target with an empty dest is refused"

sv_config "$W/port.json" '{"type": "podman", "port": 70000}'
refuse "$W/port.json" 'deploy.port: must be an integer from 1 to 65535' \
  "an out-of-range port is named"

sv_config "$W/cmd.json" '{"type": "command", "command": "kubectl set image"}'
refuse "$W/cmd.json" 'deploy.command: must be a non-empty array' \
  "a command given as a string is refused (argv, no shell)"

printf '{"apps": [' > "$W/broken.json"
refuse "$W/broken.json" "broken.json: line 1" "malformed JSON names the file and line"

sv_config "$W/ok.json" '{"type": "none"}'
timeout 10 "$S2I" serve --config "$W/ok.json" --listen 127.0.0.1:nope > "$W/out" 2>&1
t_eq "a bad --listen: exit 1" "$?" 1
t_grep "a bad --listen is named" "listen address '127.0.0.1:nope'" "$W/out"

chmod 600 "$W/secret"
sv_start "$W/ok.json"
t_check "a good config starts and answers /healthz" curl -fsS --max-time 5 "$SV_URL/healthz"
t_check "the state dir is private (0700)" test "$(stat -c %a "$W/state")" = 700
sv_stop
t_eq "SIGTERM: s2i serve exits 0" "${SV_RC:-none}" 0

# The cluster path's template (docs/serve.md): parses, hardened, triggered.
tplf=$TOP/templates/serve/openshift-image-trigger.yaml
t_check "templates/serve/openshift-image-trigger.yaml parses as YAML" \
  python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$tplf"
t_check "  ... its pod is hardened and redeploys on a new image" python3 -c '
import json, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
dep = [d for d in docs if d["kind"] == "Deployment"][0]
c = dep["spec"]["template"]["spec"]["containers"][0]
sc = c["securityContext"]
assert sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
assert sc["capabilities"]["drop"] == ["ALL"]
assert c["volumeMounts"][0]["mountPath"] == "/tmp"
t = json.loads(dep["metadata"]["annotations"]["image.openshift.io/triggers"])
assert t[0]["from"]["kind"] == "ImageStreamTag"
' "$tplf"
