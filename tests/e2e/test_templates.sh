#!/bin/bash
# templates/: the OpenShift ImageStreams and Templates and the Kubernetes
# manifests. Two kinds of checks:
#
# 1. Structure, with a small Python checker: every file parses; every
#    container has the hardened securityContext and an emptyDir at /tmp;
#    probes hit 8080; the BuildConfigs have GitHub and generic webhook
#    triggers whose secrets are generated template parameters; every
#    ${PARAM} a template uses is declared; the image triggers point at real
#    containers; the writable-path slots are wired end to end.
# 2. A real consumer: `podman kube play` of the Kubernetes manifests and of
#    the Deployment + Service the lektor-site Template renders to (a small
#    `oc process`), with an image built here from a Lektor quickstart site
#    whose image carries io.s2i.writable-paths. The pod must serve the site
#    on a loopback port as a non-root UID in group 0 with a read-only root,
#    the writable path must be writable and hold the image's content, and
#    `podman kube down` must leave nothing behind.
. "$(dirname "$0")/../lib.sh"
t_plan 70

TPL=$TOP/templates
LEKTOR_BUILDER=$SHARED/builders/lektor.tar

# Debian packages this test needs, installed by scripts/deps.sh: PyYAML
# for the checker, catatonit for podman's pod infra container.  Without one
# the checks that need it are skipped, naming it; nothing is installed here.
python3 -c 'import yaml' 2>/dev/null ||
  t_skip_all "python3-yaml is not installed (scripts/deps.sh installs it)"
have_catatonit=yes
command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] ||
  have_catatonit=""

# ---------------------------------------------------------------- checker
cat > "$T_DIR/tpl.py" <<'PY'
"""Checks and renders templates/ (see tests/e2e/test_templates.sh)."""
import json, random, re, string, sys
import yaml

PARAM = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
out = []


def ok(cond, msg):
    out.append(("ok" if cond else "not ok") + " - " + msg)
    return cond


def load(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    objs = []
    for d in docs:
        if d.get("kind") == "List":
            objs.extend(d.get("items", []))
        else:
            objs.append(d)
    return objs


def strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


def by_kind(objs, kind):
    return [o for o in objs if o.get("kind") == kind]


def check_deployment(dep, where, openshift):
    spec = dep["spec"]["template"]["spec"]
    podsc = spec.get("securityContext", {})
    ok(podsc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot: true")
    ok(podsc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
       f"{where}: pod seccompProfile RuntimeDefault")
    if openshift:
        ok("runAsUser" not in podsc and "runAsGroup" not in podsc,
           f"{where}: runAsUser left to the SCC")
    else:
        uid = podsc.get("runAsUser")
        ok(isinstance(uid, int) and uid >= 100000,
           f"{where}: a fixed high runAsUser ({uid})")
        ok(podsc.get("runAsGroup") == 0, f"{where}: runAsGroup 0")
    ok(dep["spec"]["selector"]["matchLabels"].items()
       <= dep["spec"]["template"]["metadata"]["labels"].items(),
       f"{where}: selector matches the pod labels")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    inits = spec.get("initContainers", [])
    mains = spec.get("containers", [])
    ok(len(mains) >= 1, f"{where}: has containers")
    for c in inits + mains:
        cw = f"{where}: container {c['name']}"
        sc = c.get("securityContext", {})
        ok(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem")
        ok(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation false")
        ok("ALL" in sc.get("capabilities", {}).get("drop", []), f"{cw}: capabilities drop ALL")
        ok(not sc.get("capabilities", {}).get("add") and not sc.get("privileged"),
           f"{cw}: adds no capability, not privileged")
        ok(sc.get("runAsUser", 1) != 0, f"{cw}: not forced to root")
        mounts = c.get("volumeMounts", [])
        tmp = [m for m in mounts if m["mountPath"] == "/tmp"]
        ok(len(tmp) == 1 and "emptyDir" in vols.get(tmp[0]["name"], {}),
           f"{cw}: an emptyDir at /tmp")
        ok(all(m["name"] in vols for m in mounts), f"{cw}: every mount names a volume")
        ok("limits" in c.get("resources", {}) and "requests" in c.get("resources", {}),
           f"{cw}: resources set")
    for c in mains:
        cw = f"{where}: container {c['name']}"
        ok(any(p.get("containerPort") == 8080 for p in c.get("ports", [])),
           f"{cw}: containerPort 8080")
        for probe in ("readinessProbe", "livenessProbe"):
            hg = c.get(probe, {}).get("httpGet", {})
            ok(hg.get("port") == 8080 and str(hg.get("path", "")).strip() != "",
               f"{cw}: {probe} is an HTTP GET on 8080")
    # writable paths: init argument N goes to /s2i-writable/N, whose volume
    # the app container mounts over the same path.
    for c in inits:
        if c["name"] != "writable-paths":
            continue
        args = c.get("args", [])
        ok(len(args) >= 1, f"{where}: writable-paths has paths")
        imounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        amounts = {m["name"]: m["mountPath"] for m in mains[0].get("volumeMounts", [])}
        for n, p in enumerate(args, 1):
            vol = imounts.get(f"/s2i-writable/{n}")
            ok(vol is not None and "emptyDir" in vols.get(vol, {}) and amounts.get(vol) == p,
               f"{where}: writable path {n} ({p}) copied by the init container and mounted in the app")
        ok(c.get("image") == mains[0].get("image"),
           f"{where}: the init container runs the app's own image")
    return spec


def check_service(svc, dep, where):
    ports = svc["spec"]["ports"]
    ok(any(p.get("port") == 8080 and p.get("targetPort") in (8080, "http") for p in ports),
       f"{where}: Service on 8080")
    ok(svc["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(),
       f"{where}: Service selects the Deployment's pods")


def check_kube(path):
    objs = load(path)
    deps, svcs = by_kind(objs, "Deployment"), by_kind(objs, "Service")
    ok(len(deps) == 1 and len(svcs) == 1, f"{path}: one Deployment and one Service")
    check_deployment(deps[0], path, openshift=False)
    check_service(svcs[0], deps[0], path)


def imagestream_tags(path):
    tags = {}
    for s in by_kind(load(path), "ImageStream"):
        name = s["metadata"]["name"]
        for t in s["spec"]["tags"]:
            a = t.get("annotations", {})
            tw = f"{path}: {name}:{t['name']}"
            ok(a.get("tags", "").split(",")[:2] == ["builder", name],
               f"{tw}: annotated tags \"builder,{name}\"")
            ok(bool(a.get("supports")), f"{tw}: supports")
            ok(a.get("sampleRepo", "").startswith("https://"), f"{tw}: sampleRepo")
            ok(t.get("from", {}).get("kind") in ("DockerImage", "ImageStreamTag"),
               f"{tw}: from an image")
            tags[f"{name}:{t['name']}"] = t
    ok(set(n.split(":")[0] for n in tags) == {"python", "lektor"},
       f"{path}: ImageStreams python and lektor")
    return tags


def check_template(path, builder_tags):
    t = load(path)[0]
    ok(t.get("kind") == "Template" and t.get("apiVersion") == "template.openshift.io/v1",
       f"{path}: an OpenShift Template")
    params = {p["name"]: p for p in t.get("parameters", [])}
    used = set()
    for s in strings({"objects": t["objects"], "message": t.get("message", ""),
                      "labels": t.get("labels", {})}):
        used.update(PARAM.findall(s))
    ok(used <= params.keys(), f"{path}: every ${{PARAM}} used is declared"
       + ("" if used <= params.keys() else f" (missing {sorted(used - params.keys())})"))
    ok(params.keys() <= used, f"{path}: every parameter is used"
       + ("" if params.keys() <= used else f" (unused {sorted(params.keys() - used)})"))
    for p in ("NAME", "SOURCE_REPOSITORY_URL", "SOURCE_REPOSITORY_REF", "CONTEXT_DIR",
              "GITHUB_WEBHOOK_SECRET", "GENERIC_WEBHOOK_SECRET", "BUILDER_IMAGESTREAMTAG",
              "WRITABLE_PATH_1"):
        ok(p in params, f"{path}: parameter {p}")
    for p in ("GITHUB_WEBHOOK_SECRET", "GENERIC_WEBHOOK_SECRET"):
        ok(params.get(p, {}).get("generate") == "expression" and params[p].get("from"),
           f"{path}: {p} is generated")
    ok(params.get("BUILDER_IMAGESTREAMTAG", {}).get("value") in builder_tags,
       f"{path}: the default builder is a tag of imagestreams.yaml")
    objs = t["objects"]
    kinds = sorted(o["kind"] for o in objs)
    ok(kinds == ["BuildConfig", "Deployment", "ImageStream", "Route", "Service"],
       f"{path}: ImageStream, BuildConfig, Deployment, Service, Route ({kinds})")
    bc = by_kind(objs, "BuildConfig")[0]
    st = bc["spec"]["strategy"]
    ok(st.get("type") == "Source" and st["sourceStrategy"]["from"] ==
       {"kind": "ImageStreamTag", "name": "${BUILDER_IMAGESTREAMTAG}",
        "namespace": "${BUILDER_NAMESPACE}"},
       f"{path}: Source strategy from the builder ImageStreamTag")
    ok(bc["spec"]["source"]["git"] == {"uri": "${SOURCE_REPOSITORY_URL}",
                                        "ref": "${SOURCE_REPOSITORY_REF}"}
       and bc["spec"]["source"].get("contextDir") == "${CONTEXT_DIR}",
       f"{path}: Git source, ref and context dir from parameters")
    ok(bc["spec"]["output"]["to"] == {"kind": "ImageStreamTag", "name": "${NAME}:latest"}
       and by_kind(objs, "ImageStream")[0]["metadata"]["name"] == "${NAME}",
       f"{path}: output to the app's ImageStream")
    trig = {x["type"]: x for x in bc["spec"]["triggers"]}
    ok(trig.get("GitHub", {}).get("github", {}).get("secret") == "${GITHUB_WEBHOOK_SECRET}",
       f"{path}: GitHub webhook trigger with the generated secret")
    ok(trig.get("Generic", {}).get("generic", {}).get("secret") == "${GENERIC_WEBHOOK_SECRET}",
       f"{path}: generic webhook trigger with the generated secret")
    ok("ImageChange" in trig and "ConfigChange" in trig,
       f"{path}: ImageChange and ConfigChange triggers")
    dep = by_kind(objs, "Deployment")[0]
    spec = check_deployment(dep, path, openshift=True)
    check_service(by_kind(objs, "Service")[0], dep, path)
    try:
        trig = json.loads(dep["metadata"]["annotations"]["image.openshift.io/triggers"])
    except (KeyError, ValueError) as e:
        trig = []
        ok(False, f"{path}: image.openshift.io/triggers is JSON ({e})")
    names = {("containers", c["name"]) for c in spec.get("containers", [])} | \
            {("initContainers", c["name"]) for c in spec.get("initContainers", [])}
    seen = set()
    for x in trig:
        m = re.fullmatch(r'spec\.template\.spec\.(containers|initContainers)'
                         r'\[\?\(@\.name=="([^"]+)"\)\]\.image', x.get("fieldPath", ""))
        ok(m is not None and (m.group(1), m.group(2)) in names
           and x["from"] == {"kind": "ImageStreamTag", "name": "${NAME}:latest"},
           f"{path}: image trigger {x.get('fieldPath')}")
        if m:
            seen.add((m.group(1), m.group(2)))
    ok(seen == names, f"{path}: every container's image follows ${{NAME}}:latest")
    route = by_kind(objs, "Route")[0]["spec"]
    ok(route["tls"]["termination"] == "edge" and route["to"]["name"] == "${NAME}",
       f"{path}: Route with edge TLS to the Service")


def render(path, values):
    """A small `oc process`: parameter values, generated secrets, ${X}."""
    t = load(path)[0]
    vals = {}
    for p in t.get("parameters", []):
        if p["name"] in values:
            vals[p["name"]] = values[p["name"]]
        elif p.get("generate") == "expression":
            vals[p["name"]] = "".join(random.choice(string.ascii_letters + string.digits)
                                      for _ in range(40))
        else:
            vals[p["name"]] = p.get("value", "")
        if p.get("required") and vals[p["name"]] == "":
            sys.exit(f"required parameter {p['name']} has no value")
    labels = t.get("labels", {})

    def sub(node):
        if isinstance(node, dict):
            return {sub(k): sub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [sub(v) for v in node]
        if isinstance(node, str):
            return PARAM.sub(lambda m: vals[m.group(1)], node)
        return node
    objs = sub(t["objects"])
    for o in objs:
        o.setdefault("metadata", {}).setdefault("labels", {}).update(sub(labels))
    return {"apiVersion": "v1", "kind": "List", "items": objs}


def podman_overlay(objs, image, port, suffix, uid):
    """What podman 4.3 needs beyond what a cluster provides: the image, a
    loopback hostPort, a UID (the SCC's job on OpenShift), restartPolicy
    OnFailure (podman < 4.6 gives init containers the pod's policy, so an
    Always pod restarts them forever), unique pod and volume names."""
    res = []
    for o in objs:
        if o["kind"] not in ("Deployment", "Service"):
            continue
        o["metadata"]["name"] += suffix
        if o["kind"] == "Deployment":
            spec = o["spec"]["template"]["spec"]
            spec["restartPolicy"] = "OnFailure"
            spec["securityContext"].setdefault("runAsUser", uid)
            spec["securityContext"].setdefault("runAsGroup", 0)
            for v in spec.get("volumes", []):
                v["name"] += suffix
            for c in spec.get("initContainers", []) + spec["containers"]:
                c["image"] = image
                c["imagePullPolicy"] = "Never"
                for m in c.get("volumeMounts", []):
                    m["name"] += suffix
                for p in c.get("ports", []):
                    if p.get("containerPort") == 8080:
                        p["hostPort"] = port
                        p["hostIP"] = "127.0.0.1"
        res.append(o)
    return res


def main():
    cmd = sys.argv[1]
    if cmd == "check":
        tpl = sys.argv[2]
        tags = imagestream_tags(f"{tpl}/openshift/imagestreams.yaml")
        for f in ("lektor-site", "python-app"):
            check_template(f"{tpl}/openshift/{f}.yaml", tags)
        for f in ("deployment", "deployment-writable-paths"):
            check_kube(f"{tpl}/kubernetes/{f}.yaml")
        rendered = render(f"{tpl}/openshift/lektor-site.yaml", {})
        left = [s for s in strings(rendered) if PARAM.search(s)]
        ok(not left, "oc-process-like rendering leaves no ${PARAM}" + (f" ({left[:2]})" if left else ""))
        print("\n".join(out))
    elif cmd == "render":  # render TEMPLATE OUT NAME=VALUE...
        vals = dict(a.split("=", 1) for a in sys.argv[4:])
        yaml.safe_dump(render(sys.argv[2], vals), open(sys.argv[3], "w"), sort_keys=False)
    elif cmd == "podman":  # podman IN OUT IMAGE PORT SUFFIX UID
        src, dst, image, port, suffix, uid = sys.argv[2:8]
        objs = load(src)
        yaml.safe_dump_all(podman_overlay(objs, image, int(port), suffix, int(uid)),
                           open(dst, "w"), sort_keys=False)


main()
PY
tpl() { python3 "$T_DIR/tpl.py" "$@"; }

# ---------------------------------------------------------------- 1. structure
for f in "$TPL"/openshift/*.yaml "$TPL"/kubernetes/*.yaml; do
  t_check "$(basename "$(dirname "$f")")/$(basename "$f") parses as YAML" \
    python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$f"
done
tpl check "$TPL" > "$T_DIR/check.out" 2>&1 || echo "not ok - the checker crashed" >> "$T_DIR/check.out"
n_ok=$(grep -c '^ok - ' "$T_DIR/check.out")
grep -v '^ok - ' "$T_DIR/check.out" > "$T_DIR/check.bad"
if [ -s "$T_DIR/check.bad" ]; then
  t_fail "structure: $(grep -c . "$T_DIR/check.bad") problems ($n_ok checks passed)"
  sed 's/^/    # /' "$T_DIR/check.bad" | head -n 40
else
  t_ok "structure: all $n_ok checks pass (hardened containers, /tmp emptyDir, probes on 8080, webhooks, parameters, triggers, writable slots)"
fi

# ---------------------------------------------------------------- 2. podman kube play
[ -n "$have_catatonit" ] ||
  t_skip_all "catatonit is not installed (scripts/deps.sh installs it; podman kube play needs it)"
t_need podman lektor
if [ ! -f "$LEKTOR_BUILDER" ]; then
  t_fail "builder image missing: $LEKTOR_BUILDER; run \`make builders\` first"
  exit 1
fi

# The site: a Lektor quickstart plus a data/ directory that the image label
# io.s2i.writable-paths declares (written by a pre-build hook through the
# s2i image_metadata.json contract).
site=$T_DIR/site
fx_quickstart "$site"
mkdir -p "$site/data" "$site/.whiskey/action_hooks"
echo "seed from the image" > "$site/data/seed.txt"
cat > "$site/.whiskey/action_hooks/pre-build" <<'EOF'
#!/bin/sh
mkdir -p /tmp/.s2i
printf '{"labels":[{"io.s2i.writable-paths":"/opt/app-root/src/data"}]}\n' \
  > /tmp/.s2i/image_metadata.json
EOF
chmod +x "$site/.whiskey/action_hooks/pre-build"
fx_commit "$site" site

image=localhost/tpl-site-$$:1
t_check "s2i build of the Lektor quickstart site" \
  "$S2I" build -q "$site" "$LEKTOR_BUILDER" "$image" -o "$T_DIR/site.tar"
t_check "podman load" podman load -q -i "$T_DIR/site.tar"
t_defer "podman rmi -f $image"

# The documented way to fill the template's writable slots from the label.
wp=$(skopeo inspect "docker-archive:$T_DIR/site.tar" | jq -r '.Labels["io.s2i.writable-paths"] // ""')
t_eq "the image label io.s2i.writable-paths" "$wp" "/opt/app-root/src/data"

# play NAME MANIFEST PORT: podman kube play, wait for the site (bounded).
play() {
  local name=$1 manifest=$2 port=$3
  t_defer "podman kube down $manifest"
  if ! timeout 180 podman kube play "$manifest" >"$T_DIR/$name.play" 2>&1; then
    t_fail "$name: podman kube play"; grep -v systemd "$T_DIR/$name.play" | tail -n 10 | sed 's/^/    # /'
    return 1
  fi
  t_ok "$name: podman kube play"
  if t_wait_http "http://127.0.0.1:$port/" 30; then
    t_ok "$name: serves on 127.0.0.1:$port"
  else
    t_fail "$name: no answer on 127.0.0.1:$port"
    podman logs "$4" 2>&1 | tail -n 10 | sed 's/^/    # /'
    return 1
  fi
}

# hardened NAME CONTAINER UID: what the pod's app container really runs as.
hardened() {
  local name=$1 c=$2 uid=$3
  curl -fsS "http://127.0.0.1:$4/" > "$T_DIR/$name.html" 2>&1
  t_grep "$name: the quickstart home page" 'Welcome to My Site|My Site' "$T_DIR/$name.html"
  curl -fsS "http://127.0.0.1:$4/blog/" > "$T_DIR/$name.blog" 2>&1
  t_grep "$name: the blog page" 'Blog' "$T_DIR/$name.blog"
  t_eq "$name: runs as uid $uid, gid 0" "$(podman exec "$c" sh -c 'echo $(id -u):$(id -g)' 2>&1)" "$uid:0"
  t_eq "$name: read-only root (podman inspect)" \
    "$(podman inspect "$c" --format '{{.HostConfig.ReadonlyRootfs}}' 2>&1)" "true"
  podman exec "$c" sh -c 'touch /opt/app-root/src/x' > "$T_DIR/$name.touch" 2>&1
  t_grep "$name: the app tree cannot be written" 'Read-only file system' "$T_DIR/$name.touch"
  t_check "$name: /tmp (emptyDir) is writable" podman exec "$c" sh -c 'echo x > /tmp/probe && test -d /tmp/s2i'
  podman exec "$c" sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/1/status' > "$T_DIR/$name.status" 2>&1
  t_grep "$name: no effective capabilities" '^CapEff:[[:space:]]+0+$' "$T_DIR/$name.status"
  t_grep "$name: no_new_privs" '^NoNewPrivs:[[:space:]]+1$' "$T_DIR/$name.status"
  t_grep "$name: a seccomp filter" '^Seccomp:[[:space:]]+2$' "$T_DIR/$name.status"
}

# down NAME MANIFEST POD SUFFIX PORT: podman kube down leaves nothing.
down() {
  local name=$1 manifest=$2 pod=$3 suffix=$4 port=$5
  t_check "$name: podman kube down" podman kube down "$manifest"
  if podman pod exists "$pod" 2>/dev/null; then t_fail "$name: pod $pod still exists"; else t_ok "$name: pod removed"; fi
  t_eq "$name: no containers left" "$(podman ps -a --filter "name=^$pod-" --format '{{.Names}}' 2>&1)" ""
  t_eq "$name: no volumes left" "$(podman volume ls --format '{{.Name}}' 2>&1 | grep -- "$suffix\$")" ""
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    t_fail "$name: port $port still answers"; else t_ok "$name: port $port closed"; fi
}

# 2a. templates/kubernetes/deployment.yaml as it is.
sfx=-k$$
# podman kube play publishes the hostPort the manifest names: a guessed one.
port=$(t_port)
k=$T_DIR/kube.yaml
tpl podman "$TPL/kubernetes/deployment.yaml" "$k" "$image" "$port" "$sfx" 1
pod=s2i-app$sfx-pod-0
uid=$(python3 -c 'import sys,yaml; print(next(yaml.safe_load_all(open(sys.argv[1])))["spec"]["template"]["spec"]["securityContext"]["runAsUser"])' "$TPL/kubernetes/deployment.yaml")
if play kube "$k" "$port" "$pod-app"; then
  hardened kube "$pod-app" "$uid" "$port"
fi
down kube "$k" "$pod" "$sfx" "$port"

# 2b. templates/kubernetes/deployment-writable-paths.yaml.
sfx=-w$$
port=$(t_port)
w=$T_DIR/kube-writable.yaml
tpl podman "$TPL/kubernetes/deployment-writable-paths.yaml" "$w" "$image" "$port" "$sfx" 1
pod=s2i-app$sfx-pod-0
# check_writable NAME CONTAINER UID
check_writable() {
  local name=$1 c=$2 uid=$3
  t_eq "$name: the image's content is in the writable path" \
    "$(podman exec "$c" cat /opt/app-root/src/data/seed.txt 2>&1)" "seed from the image"
  # podman (unlike Kubernetes) also copies image content into a fresh
  # volume, but keeps the owner (1001); the init container's
  # cp --no-preserve=ownership makes it the pod's UID. So the owner tells
  # who copied.
  t_eq "$name: copied by the initContainer (owned by the pod's uid)" \
    "$(podman exec "$c" stat -c %u /opt/app-root/src/data/seed.txt 2>&1)" "$uid"
  t_check "$name: the app writes in the writable path" podman exec "$c" sh -c \
    'echo written > /opt/app-root/src/data/new.txt && grep -q written /opt/app-root/src/data/new.txt && echo more >> /opt/app-root/src/data/seed.txt'
  podman exec "$c" sh -c 'touch /opt/app-root/src/y' > "$T_DIR/$name.touch" 2>&1
  t_grep "$name: the rest of the root stays read-only" 'Read-only file system' "$T_DIR/$name.touch"
  t_eq "$name: read-only root (podman inspect)" \
    "$(podman inspect "$c" --format '{{.HostConfig.ReadonlyRootfs}}' 2>&1)" "true"
  t_eq "$name: runs as uid $uid, gid 0" "$(podman exec "$c" sh -c 'echo $(id -u):$(id -g)' 2>&1)" "$uid:0"
}
if play kube-writable "$w" "$port" "$pod-app"; then
  check_writable kube-writable "$pod-app" "$uid"
fi
down kube-writable "$w" "$pod" "$sfx" "$port"

# 2b'. Control: the same pod without its initContainer. What podman's own
# volume copy-up leaves keeps the image's owner, so the owner check above
# really tells the initContainer's copy apart.
sfx=-c$$
port=$(t_port)
c=$T_DIR/kube-control.yaml
tpl podman "$TPL/kubernetes/deployment-writable-paths.yaml" "$c" "$image" "$port" "$sfx" 1
python3 - "$c" <<'EOF2'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
del docs[0]["spec"]["template"]["spec"]["initContainers"]
yaml.safe_dump_all(docs, open(sys.argv[1], "w"), sort_keys=False)
EOF2
pod=s2i-app$sfx-pod-0
if play control "$c" "$port" "$pod-app"; then
  owner=$(podman exec "$pod-app" sh -c 'stat -c %u /opt/app-root/src/data/seed.txt 2>/dev/null || echo none')
  if [ "$owner" != "$uid" ]; then t_ok "control: without the initContainer the path is not the pod's copy (owner $owner)"
  else t_fail "control: without the initContainer seed.txt is still owned by $uid; the owner check proves nothing"; fi
fi
down control "$c" "$pod" "$sfx" "$port"

# 2c. The lektor-site Template, rendered like `oc process -p WRITABLE_PATH_1=<label>`,
# its Deployment + Service played; the UID is what an SCC would assign.
sfx=-o$$
port=$(t_port)
r=$T_DIR/rendered.yaml
o=$T_DIR/openshift.yaml
t_check "render lektor-site with WRITABLE_PATH_1 from the label" \
  tpl render "$TPL/openshift/lektor-site.yaml" "$r" NAME=site WRITABLE_PATH_1="$wp"
tpl podman "$r" "$o" "$image" "$port" "$sfx" 1000680000
pod=site$sfx-pod-0
if play openshift "$o" "$port" "$pod-app"; then
  hardened openshift "$pod-app" 1000680000 "$port"
  check_writable openshift "$pod-app" 1000680000
  # shellcheck disable=SC2016 # expanded by the container's shell
  t_check "openshift: unused writable slots are harmless empty dirs" podman exec "$pod-app" \
    sh -c 'test -d /tmp/.s2i-unused-writable-2 && test -z "$(ls -A /tmp/.s2i-unused-writable-3)"'
fi
down openshift "$o" "$pod" "$sfx" "$port"
