#include "skeleton.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "xalloc.h"

/* @IMAGE@ in a template stands for the builder's name. */
#define IMG "@IMAGE@"

static const char dockerfile[] =
    "# " IMG ": an s2i builder image.  `make build` builds it; `make test`\n"
    "# builds test/test-app with it and runs the result (test/run).\n"
    "FROM docker.io/library/debian:bookworm-slim\n"
    "\n"
    "# EDIT: say what the builder is for; OpenShift shows these.\n"
    "LABEL io.k8s.description=\"Builds and runs applications with " IMG
    "\" \\\n"
    "      io.k8s.display-name=\"" IMG " builder\" \\\n"
    "      io.openshift.expose-services=\"8080:http\" \\\n"
    "      io.openshift.tags=\"builder\" \\\n"
    "      io.openshift.s2i.scripts-url=\"image:///usr/libexec/s2i\" \\\n"
    "      io.openshift.s2i.destination=\"/tmp\"\n"
    "\n"
    "# EDIT: the packages your applications need to build and run, e.g.\n"
    "# RUN apt-get update && apt-get install -y --no-install-recommends \\\n"
    "#       python3 && rm -rf /var/lib/apt/lists/*\n"
    "\n"
    "# The s2i scripts, where the scripts-url label points.\n"
    "COPY .s2i/bin/ /usr/libexec/s2i/\n"
    "\n"
    "# A numeric user in group 0 owns the application directory, and the\n"
    "# group may write what the owner may: the image then also runs as the\n"
    "# random UID (in group 0) that OpenShift assigns.\n"
    "RUN useradd -u 1001 -g 0 -d /opt/app-root/src -s /usr/sbin/nologin \\\n"
    "      -c \"Default Application User\" default \\\n"
    " && mkdir -p /opt/app-root/src \\\n"
    " && chown -R 1001:0 /opt/app-root && chmod -R g=u /opt/app-root\n"
    "\n"
    "WORKDIR /opt/app-root/src\n"
    "USER 1001\n"
    "EXPOSE 8080\n"
    "CMD [\"/usr/libexec/s2i/usage\"]\n";

static const char assemble[] =
    "#!/bin/sh\n"
    "# s2i assemble of " IMG ": turns the source s2i put at /tmp/src into a\n"
    "# runnable application in the working directory (/opt/app-root/src).\n"
    "set -e\n"
    "if [ \"${1:-}\" = -h ]; then exec /usr/libexec/s2i/usage; fi\n"
    "\n"
    "# What save-artifacts kept from the previous image (--incremental).\n"
    "if [ -n \"$(ls -A /tmp/artifacts 2>/dev/null)\" ]; then\n"
    "  echo \"---> Restoring build artifacts ...\"\n"
    "  cp -Rf /tmp/artifacts/. ./\n"
    "fi\n"
    "\n"
    "echo \"---> Installing application source ...\"\n"
    "cp -Rf /tmp/src/. ./\n"
    "\n"
    "echo \"---> Building application from source ...\"\n"
    "# EDIT: the build steps of your applications (pip install, npm ci, "
    "make...).\n";

static const char run[] =
    "#!/bin/sh\n"
    "# s2i run of " IMG
    ": the image's CMD; starts the application.  Use exec,\n"
    "# so that the server itself receives SIGTERM when the pod stops.\n"
    "# EDIT: start your server on port 8080, e.g.\n"
    "#   exec python3 -m http.server 8080\n"
    "echo \"run: edit .s2i/bin/run of " IMG " to start the application\" >&2\n"
    "exit 1\n";

static const char save_artifacts[] =
    "#!/bin/sh\n"
    "# s2i save-artifacts of " IMG ": writes a tar of what the next build may\n"
    "# reuse (s2i build --incremental) to stdout; nothing else may go there.\n"
    "set -e\n"
    "# EDIT: the directories worth keeping, e.g.\n"
    "#   exec tar -cf - .cache\n"
    "exec tar -cf - -T /dev/null\n";

static const char usage[] =
    "#!/bin/sh\n"
    "cat <<EOF\n"
    "This is the " IMG " s2i builder image.  Build an application with it:\n"
    "\n"
    "  s2i build <Git URL or directory> " IMG " <app image> -o app.tar\n"
    "  podman load -i app.tar\n"
    "  podman run -u 123456:0 --read-only --tmpfs /tmp -p 8080:8080 <app "
    "image>\n"
    "EOF\n";

static const char makefile[] =
    "IMAGE_NAME = " IMG "\n"
    "\n"
    ".PHONY: build test\n"
    "build:\n"
    "\tpodman build -t $(IMAGE_NAME) .\n"
    "\n"
    "test:\n"
    "\tpodman build -t $(IMAGE_NAME)-candidate .\n"
    "\tIMAGE_NAME=$(IMAGE_NAME)-candidate test/run\n";

static const char test_run[] =
    "#!/bin/sh\n"
    "# Builds test/test-app with the candidate builder image and checks that\n"
    "# the application image answers HTTP when run the way OpenShift runs it:\n"
    "# a random UID in group 0 and a read-only root.\n"
    "set -eu\n"
    "IMAGE_NAME=${IMAGE_NAME:-" IMG "-candidate}\n"
    "here=$(cd \"$(dirname \"$0\")\" && pwd)\n"
    "work=$(mktemp -d)\n"
    "cid=\n"
    "trap '[ -z \"$cid\" ] || podman rm -f \"$cid\" >/dev/null; rm -rf "
    "\"$work\"' EXIT\n"
    "podman save -o \"$work/builder.tar\" \"$IMAGE_NAME\"\n"
    "s2i usage \"docker-archive:$work/builder.tar\" >/dev/null\n"
    "s2i build \"$here/test-app\" \"docker-archive:$work/builder.tar\" \\\n"
    "  \"$IMAGE_NAME-testapp\" -o \"$work/app.tar\"\n"
    "podman load -q -i \"$work/app.tar\"\n"
    "cid=$(podman run -d -u 123456:0 --read-only --tmpfs /tmp \\\n"
    "  -p 127.0.0.1::8080 \"$IMAGE_NAME-testapp\")\n"
    "port=$(podman port \"$cid\" 8080/tcp | sed 's/.*://')\n"
    "i=0\n"
    "until curl -fsS -o /dev/null \"http://127.0.0.1:$port/\"; do\n"
    "  i=$((i + 1))\n"
    "  if [ \"$i\" -ge 50 ]; then\n"
    "    echo \"test: $IMAGE_NAME-testapp did not answer\" >&2\n"
    "    podman logs \"$cid\" >&2\n"
    "    exit 1\n"
    "  fi\n"
    "  sleep 0.2\n"
    "done\n"
    "echo \"test: $IMAGE_NAME passed\"\n";

static const char test_app[] =
    "<!doctype html>\n<title>" IMG "</title>\n"
    "<h1>Hello from the " IMG " test application</h1>\n";

static const char readme[] =
    "# " IMG "\n"
    "\n"
    "An s2i builder image.  Edit the lines marked EDIT in the Dockerfile and\n"
    "in .s2i/bin/ (assemble builds the application, run starts it,\n"
    "save-artifacts keeps what the next build may reuse, usage says how to\n"
    "use the image), then:\n"
    "\n"
    "    make build   # podman build -t " IMG " .\n"
    "    make test    # builds test/test-app with it and runs the result\n";

static const struct file {
  const char *path;
  const char *text;
  mode_t mode;
} files[] = {
    {"Dockerfile", dockerfile, 0644},
    {".s2i/bin/assemble", assemble, 0755},
    {".s2i/bin/run", run, 0755},
    {".s2i/bin/save-artifacts", save_artifacts, 0755},
    {".s2i/bin/usage", usage, 0755},
    {"Makefile", makefile, 0644},
    {"test/run", test_run, 0755},
    {"test/test-app/index.html", test_app, 0644},
    {"README.md", readme, 0644},
};

/* text with every @IMAGE@ replaced by image. */
static char *expand(const char *text, const char *image)
{
  size_t n = strlen(IMG), len = 0, cap = strlen(text) + 1;
  char *out = xmalloc(cap);
  const char *p;

  while ((p = strstr(text, IMG)) != NULL) {
    size_t head = (size_t)(p - text);
    cap += strlen(image);
    out = xrealloc(out, cap);
    memcpy(out + len, text, head);
    memcpy(out + len + head, image, strlen(image));
    len += head + strlen(image);
    text = p + n;
  }
  memcpy(out + len, text, strlen(text) + 1);
  return out;
}

static int valid_image_name(const char *s)
{
  if (*s == '\0' || strlen(s) > 255)
    return 0;
  for (; *s; s++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789._-/:@",
                *s))
      return 0;
  return 1;
}

/* Write one file through a temp name; an existing one is never replaced.
 * Returns 1 written, 0 left alone, <0 on error. */
static int write_new(const char *path, const char *text, mode_t mode,
                     struct s2i_error **err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp-XXXXXX", path);
  cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
  int r;

  if (fd < 0)
    return s2i_error_make(err, errno, "create %s", tmp);
  if (s2i_fs_write_all(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0) {
    r = s2i_error_make(err, errno, "write %s", path);
    unlink(tmp);
    return r;
  }
  r = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
  if (r == 0)
    return 1;
  r = errno;
  unlink(tmp);
  return r == EEXIST ? 0 : s2i_error_make(err, r, "create %s", path);
}

int s2i_skeleton_create(const struct s2i_ctx *ctx, const char *image,
                        const char *dir, struct s2i_error **err)
{
  int written = 0;

  if (!valid_image_name(image))
    return s2i_error_make(err, 0,
                          "image name '%s': use letters, digits and . _ - / : "
                          "@ only",
                          image);
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    cleanup_free char *path = s2i_fs_join(dir, files[i].path);
    cleanup_free char *parent = xstrdup(path);
    cleanup_free char *text = expand(files[i].text, image);
    int r;

    *strrchr(parent, '/') = '\0';
    if (s2i_fs_mkdir_p(parent, 0755, err) < 0)
      return -1;
    r = write_new(path, text, files[i].mode, err);
    if (r < 0)
      return -1;
    if (r == 0)
      s2i_log_warn(ctx, "%s already exists, left as it is", path);
    else
      s2i_log_info(ctx, "created %s", path);
    written += r;
  }
  return written;
}
