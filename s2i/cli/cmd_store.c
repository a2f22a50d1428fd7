/* The store's commands: s2i images, tag, rmi, prune, save, pull, push. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli_opts.h"
#include "commands.h"
#include "ctx.h"
#include "error.h"
#include "registry.h"
#include "store.h"
#include "transport.h"
#include "writer.h"
#include "xalloc.h"

struct cmd {
  const char *name;
  const char *usage; /* the line after "Usage: s2i NAME " */
  const char *text;
  int min_args, max_args;
  int registry; /* takes the registry options */
  int (*run)(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args, int n,
             struct s2i_error **err);
};

static const char *format_json; /* images --format json */
static const char *save_output; /* save -o */

enum { OPT_FORMAT = 2000 };

static const struct option options[] = {
    CLI_STORE_OPTIONS,
    CLI_REGISTRY_OPTIONS,
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int open_store(struct s2i_store **s, const struct cli_store_opts *o,
                      struct s2i_error **err)
{
  return s2i_store_open_at(s, o->store, o->cache, err);
}

/* ---- images ----------------------------------------------------------- */

static void human_size(char *buf, size_t n, int64_t b)
{
  if (b >= 1000 * 1000 * 1000)
    snprintf(buf, n, "%.2f GB", (double)b / 1e9);
  else if (b >= 1000 * 1000)
    snprintf(buf, n, "%.1f MB", (double)b / 1e6);
  else if (b >= 1000)
    snprintf(buf, n, "%.1f kB", (double)b / 1e3);
  else
    snprintf(buf, n, "%lld B", (long long)b);
}

/* Size (config + layers) and created of the manifest a descriptor names. */
static void describe(struct s2i_store *s, json_t *desc, int64_t *size,
                     char **created)
{
  const char *digest = json_string_value(json_object_get(desc, "digest"));
  cleanup_free char *text = NULL, *ctext = NULL;
  cleanup_json json_t *m = NULL, *cfg = NULL;
  struct s2i_error *e = NULL;
  size_t len, i;
  json_t *l;

  *size = 0;
  *created = xstrdup("");
  if (s2i_store_read_blob(s, digest, &text, &len, &e) < 0) {
    s2i_error_free(e);
    return;
  }
  m = json_loadb(text, len, 0, NULL);
  *size +=
      json_integer_value(json_object_get(json_object_get(m, "config"), "size"));
  json_array_foreach(json_object_get(m, "layers"), i, l)
  {
    *size += json_integer_value(json_object_get(l, "size"));
  }
  if (s2i_store_read_blob(s,
                          json_string_value(json_object_get(
                              json_object_get(m, "config"), "digest")),
                          &ctext, &len, &e) < 0) {
    s2i_error_free(e);
    return;
  }
  cfg = json_loadb(ctext, len, 0, NULL);
  if (json_is_string(json_object_get(cfg, "created"))) {
    free(*created);
    *created = xstrdup(json_string_value(json_object_get(cfg, "created")));
  }
}

static int run_images(struct s2i_ctx *ctx, struct cli_store_opts *o,
                      char **args, int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  cleanup_json json_t *index = NULL;
  json_t *out = json_array();
  size_t i;
  json_t *d;

  (void)ctx, (void)args, (void)n;
  if (open_store(&s, o, err) < 0 || s2i_store_index(s, &index, err) < 0) {
    json_decref(out);
    return -1;
  }
  if (!format_json)
    printf("%-50s %-19s %10s  %s\n", "TAG", "DIGEST", "SIZE", "CREATED");
  json_array_foreach(json_object_get(index, "manifests"), i, d)
  {
    const char *name =
        json_string_value(json_object_get(json_object_get(d, "annotations"),
                                          "org.opencontainers.image.ref.name"));
    const char *digest = json_string_value(json_object_get(d, "digest"));
    cleanup_free char *created = NULL;
    int64_t size;
    char hs[32];
    if (name == NULL || digest == NULL)
      continue;
    describe(s, d, &size, &created);
    if (format_json) {
      json_array_append_new(
          out, json_pack("{s:s, s:s, s:I, s:s}", "tag", name, "digest", digest,
                         "size", (json_int_t)size, "created", created));
      continue;
    }
    human_size(hs, sizeof(hs), size);
    printf("%-50s %-19.19s %10s  %s\n", name, digest, hs, created);
  }
  if (format_json) {
    char *text = json_dumps(out, JSON_INDENT(2));
    puts(text ? text : "[]");
    free(text);
  }
  json_decref(out);
  return 0;
}

/* ---- tag, rmi --------------------------------------------------------- */

static int run_tag(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args,
                   int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  cleanup_json json_t *index = NULL;
  cleanup_free char *src = NULL, *dest = NULL;
  json_t *d, *ann;

  (void)ctx, (void)n;
  if (open_store(&s, o, err) < 0)
    return -1;
  src = s2i_transport_store_name(s, args[0]);
  if (src == NULL)
    return s2i_error_make(err, 0, "no image %s in the store %s", args[0],
                          s->root);
  if (s2i_writer_normalise_tag(&dest, args[1], err) < 0 ||
      s2i_store_index(s, &index, err) < 0)
    return -1;
  d = s2i_store_index_find(index, src);
  ann = json_deep_copy(json_object_get(d, "annotations"));
  json_object_del(ann, "org.opencontainers.image.ref.name");
  int r =
      s2i_store_tag(s, dest, json_string_value(json_object_get(d, "mediaType")),
                    json_string_value(json_object_get(d, "digest")),
                    json_integer_value(json_object_get(d, "size")), ann, err);
  json_decref(ann);
  return r;
}

static int run_rmi(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args,
                   int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;

  (void)ctx;
  if (open_store(&s, o, err) < 0)
    return -1;
  for (int i = 0; i < n; i++) {
    cleanup_free char *name = s2i_transport_store_name(s, args[i]);
    if (name == NULL)
      return s2i_error_make(err, 0, "no image %s in the store %s", args[i],
                            s->root);
    if (s2i_store_untag(s, name, err) < 0)
      return -1;
    printf("Untagged %s\n", name);
  }
  return 0;
}

static int run_prune(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args,
                     int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  struct s2i_prune_stats st;
  char hs[32];

  (void)args, (void)n;
  if (open_store(&s, o, err) < 0 || s2i_store_prune(ctx, s, &st, err) < 0)
    return -1;
  human_size(hs, sizeof(hs), st.blob_bytes);
  printf("Freed %ld blob(s), %s; %ld unpacked layer(s); %ld temp file(s)\n",
         st.blobs, hs, st.layers, st.temps);
  return 0;
}

/* ---- save, pull, push ------------------------------------------------- */

static int run_save(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args,
                    int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  cleanup_image struct s2i_image *img = NULL;
  cleanup_free char *name = NULL;

  (void)n;
  if (save_output == NULL)
    return s2i_error_make(err, 0, "save %s: name the tarball with -o PATH",
                          args[0]);
  if (open_store(&s, o, err) < 0)
    return -1;
  name = s2i_transport_store_name(s, args[0]);
  if (name == NULL)
    return s2i_error_make(err, 0, "no image %s in the store %s", args[0],
                          s->root);
  if (s2i_transport_open_stored(ctx, &img, name, s, err) < 0)
    return -1;
  return s2i_writer_write_archive(ctx, img, s, name, save_output, NULL, err);
}

static int run_pull(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args,
                    int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  cleanup_free char *name = NULL;

  (void)n;
  if (open_store(&s, o, err) < 0 ||
      s2i_registry_pull(ctx, &o->ro, s, args[0], &name, err) < 0)
    return -1;
  if (!ctx->quiet)
    printf("%s\n", name);
  return 0;
}

static int run_push(struct s2i_ctx *ctx, struct cli_store_opts *o, char **args,
                    int n, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  char digest[S2I_DIGEST_LEN + 1];

  if (open_store(&s, o, err) < 0 ||
      s2i_registry_push(ctx, &o->ro, s, args[0], n > 1 ? args[1] : NULL, digest,
                        err) < 0)
    return -1;
  printf("%s\n", digest);
  return 0;
}

static const struct cmd cmds[] = {
    {"images", "[--format json]", "List the images in the store.", 0, 0, 0,
     run_images},
    {"tag", "SRC DEST", "Give the store's image SRC the tag DEST too.", 2, 2, 0,
     run_tag},
    {"rmi", "TAG...", "Remove tags from the store (s2i prune frees the space).",
     1, 64, 0, run_rmi},
    {"prune", "",
     "Remove blobs no tag reaches, their unpacked layers, and temp files; "
     "print what was freed.",
     0, 0, 0, run_prune},
    {"save", "TAG -o PATH",
     "Write the store's image TAG as a tarball (docker-archive + OCI).", 1, 1,
     0, run_save},
    {"pull", "REF",
     "Pull an image from a registry into the store (HOST/REPO:TAG, "
     "docker://..., or a short name on docker.io).",
     1, 1, 1, run_pull},
    {"push", "TAG [DEST]",
     "Push the store's image TAG to its registry, or to DEST; print the "
     "pushed manifest digest.",
     1, 2, 1, run_push},
};

static void help(const struct cmd *c, FILE *f)
{
  fprintf(f, "Usage: s2i %s [options] %s\n\n%s\n\nOptions:\n", c->name,
          c->usage, c->text);
  if (strcmp(c->name, "images") == 0)
    fputs("      --format json          one JSON array\n", f);
  if (strcmp(c->name, "save") == 0)
    fputs("  -o, --output PATH          the tarball to write\n", f);
  fputs(CLI_STORE_HELP, f);
  if (c->registry)
    fputs(CLI_REGISTRY_HELP, f);
  fputs("  -h, --help                 show this help\n", f);
}

int cmd_store(int argc, char **argv)
{
  const struct cmd *c = NULL;
  struct cli_store_opts o = {NULL, NULL, S2I_REGISTRY_OPTS_INIT};
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  int opt, r;

  for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
    if (strcmp(argv[0], cmds[i].name) == 0)
      c = &cmds[i];
  if (c == NULL)
    return S2I_EXIT_USAGE;
  cli_ctx_init(&ctx);
  optind = 1;
  while ((opt = cli_getopt(argc, argv, "qho:", options, c->name)) != -1) {
    r = cli_store_option(opt, c->name, &o, &ctx);
    if (r < 0)
      return S2I_EXIT_USAGE;
    if (r > 0)
      continue;
    if (opt == 'h') {
      help(c, stdout);
      return 0;
    }
    if (opt == OPT_FORMAT) {
      if (strcmp(optarg, "json") != 0)
        return cli_usage_error(c->name, "--format takes json, not '%s'",
                               optarg);
      format_json = optarg;
    } else if (opt == 'o' && strcmp(c->name, "save") == 0) {
      save_output = optarg;
    } else {
      return cli_usage_error(c->name, "%s", "invalid option");
    }
  }
  if (argc - optind < c->min_args || argc - optind > c->max_args)
    return cli_usage_error(c->name, "expected %s", c->usage);
  if (c->run(&ctx, &o, argv + optind, argc - optind, &err) < 0)
    return cli_fail(err);
  return 0;
}
