# Turns a dependency declaration that pip cannot read into a pip
# requirements file.  Run by assemble with the venv's python:
#
#   python -c HELPER KIND SRC OUT
#
# KIND is pipfile-lock, pipfile or poetry-lock; SRC the app source
# directory; OUT the requirements file to write.  For pipfile-lock,
# OUT.local gets the path entries (editable or not), which pip cannot
# install in hash-checking mode with the rest.  The Python standard
# library only (json, tomllib): nothing is installed for this.
import json
import os
import sys
import tomllib


def sources(items):
    """--index-url / --extra-index-url lines, unless PIP_INDEX_URL rules."""
    if os.environ.get("PIP_INDEX_URL") or not items:
        return []
    out = []
    for i, s in enumerate(items):
        url = os.path.expandvars(s.get("url", ""))
        if not url:
            continue
        out.append(("--index-url " if i == 0 else "--extra-index-url ") + url)
        if s.get("verify_ssl") is False:
            host = url.split("://", 1)[-1].split("/", 1)[0]
            out.append("--trusted-host " + host)
    return out


def name_extras(name, entry):
    extras = entry.get("extras") if isinstance(entry, dict) else None
    return name + ("[" + ",".join(extras) + "]" if extras else "")


def vcs_line(name, e):
    for vcs in ("git", "hg", "svn", "bzr"):
        if vcs in e:
            url = e[vcs]
            url = url if url.startswith(vcs + "+") else vcs + "+" + url
            ref = e.get("ref")
            return "%s%s#egg=%s" % (url, "@" + ref if ref else "", name)
    return None


def pipfile_line(name, e, locked):
    """One requirement from a Pipfile or Pipfile.lock entry, or
    ('local', line) for a path entry."""
    if isinstance(e, str):
        return name + ("" if e.strip() == "*" else e.strip())
    if "path" in e:
        return ("local", ("-e " if e.get("editable") else "") + e["path"])
    line = vcs_line(name, e)
    if line:
        return ("-e " if e.get("editable") else "") + line
    if "file" in e:
        return e["file"]
    version = e.get("version", "*")
    line = name_extras(name, e) + ("" if version == "*" else version)
    if e.get("markers"):
        line += " ; " + e["markers"]
    if locked:
        line += "".join(" --hash=" + h for h in e.get("hashes", []))
    return line


def pipfile_lock(src):
    with open(os.path.join(src, "Pipfile.lock"), encoding="utf-8") as f:
        lock = json.load(f)
    if not isinstance(lock, dict) or not isinstance(lock.get("default"), dict):
        sys.exit("Pipfile.lock: no \"default\" section (is it a pipenv lock file?)")
    head = sources(lock.get("_meta", {}).get("sources", []))
    return head, [pipfile_line(n, e, True) for n, e in sorted(lock["default"].items())]


def pipfile(src):
    with open(os.path.join(src, "Pipfile"), "rb") as f:
        pf = tomllib.load(f)
    head = sources(pf.get("source", []))
    return head, [pipfile_line(n, e, False) for n, e in pf.get("packages", {}).items()]


def poetry_lock(src):
    """Constraints: every registry package of the lock at its version."""
    with open(os.path.join(src, "poetry.lock"), "rb") as f:
        lock = tomllib.load(f)
    with open(os.path.join(src, "pyproject.toml"), "rb") as f:
        proj = tomllib.load(f)
    pins = []
    for p in lock.get("package", []):
        kind = (p.get("source") or {}).get("type", "legacy")
        if kind in ("legacy", "") and p.get("name") and p.get("version"):
            pins.append("%s==%s" % (p["name"], p["version"]))
    srcs = proj.get("tool", {}).get("poetry", {}).get("source", [])
    return sources(srcs), pins


def write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def main():
    kind, src, out = sys.argv[1:4]
    head, lines = {"pipfile-lock": pipfile_lock, "pipfile": pipfile,
                   "poetry-lock": poetry_lock}[kind](src)
    local = [x[1] for x in lines if isinstance(x, tuple)]
    reqs = [x for x in lines if not isinstance(x, tuple)]
    if kind == "pipfile":
        reqs += local
        local = []
    if kind == "poetry-lock":
        write(out + ".pins", reqs)
        reqs = ["-c " + out + ".pins", os.path.abspath(src)]
    write(out, head + reqs)
    write(out + ".local", local)
    print("%d requirement(s)" % (len(lines)))


try:
    main()
except (OSError, ValueError, tomllib.TOMLDecodeError, AttributeError, TypeError) as e:
    files = {"pipfile-lock": "Pipfile.lock", "pipfile": "Pipfile",
             "poetry-lock": "poetry.lock"}
    sys.exit("%s: %s" % (files.get(sys.argv[1], sys.argv[1]), e))
