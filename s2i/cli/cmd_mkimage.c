/* s2i mkimage [options] -o OUT TAG */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "error.h"
#include "log.h"
#include "mkimage.h"
#include "xalloc.h"

static const char mkimage_help[] =
    "Usage: s2i mkimage [options] -o OUT.tar TAG\n"
    "\n"
    "Compose an image tarball from a base image and layers, without a\n"
    "Dockerfile or a daemon.  Layers are added in the order given.\n"
    "\n"
    "  --from IMAGE             start from IMAGE's layers and config\n"
    "  --layer DIR              a layer holding the tree DIR\n"
    "  --layer-tar TAR          an uncompressed layer tarball, byte for byte\n"
    "  --layer-diff BASE FULL   what root tarball FULL changes against BASE\n"
    "  --user U, --workdir D, --env N=V, --label K=V, --expose PORT/PROTO\n"
    "  --cmd ARG (repeat for each argument), --entrypoint ARG (likewise)\n"
    "  --onbuild INSTR          record an ONBUILD instruction (\"RUN make\"; "
    "repeatable)\n"
    "  --runtime                add s2i's runtime layer (init as ENTRYPOINT,\n"
    "                           arbitrary-UID identity, temp dir): builders\n"
    "  --cache-dir DIR          blob cache (default ~/.cache/s2i)\n"
    "  -o, --output OUT.tar     where to write the image\n";

enum {
  O_FROM = 256,
  O_LAYER,
  O_LAYER_TAR,
  O_LAYER_DIFF,
  O_USER,
  O_WORKDIR,
  O_ENV,
  O_LABEL,
  O_EXPOSE,
  O_CMD,
  O_ENTRYPOINT,
  O_CACHE,
  O_RUNTIME,
  O_ONBUILD
};

static const struct option mk_options[] = {
    {"from", required_argument, NULL, O_FROM},
    {"layer", required_argument, NULL, O_LAYER},
    {"layer-tar", required_argument, NULL, O_LAYER_TAR},
    {"layer-diff", required_argument, NULL, O_LAYER_DIFF},
    {"user", required_argument, NULL, O_USER},
    {"workdir", required_argument, NULL, O_WORKDIR},
    {"env", required_argument, NULL, O_ENV},
    {"label", required_argument, NULL, O_LABEL},
    {"expose", required_argument, NULL, O_EXPOSE},
    {"cmd", required_argument, NULL, O_CMD},
    {"entrypoint", required_argument, NULL, O_ENTRYPOINT},
    {"cache-dir", required_argument, NULL, O_CACHE},
    {"runtime", no_argument, NULL, O_RUNTIME},
    {"onbuild", required_argument, NULL, O_ONBUILD},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct mk_args {
  struct s2i_mkimage_opts o;
  struct s2i_mkimage_layer *layers;
  struct s2i_strv env, labels, expose, cmd, entrypoint, onbuild;
};

static void add_layer(struct mk_args *m, enum s2i_mkimage_layer_kind kind,
                      const char *path, const char *base)
{
  m->layers = xrealloc(m->layers, (m->o.n_layers + 1) * sizeof(*m->layers));
  m->layers[m->o.n_layers++] =
      (struct s2i_mkimage_layer){.kind = kind, .path = path, .base = base};
}

/* Returns -1 to go on, else an exit status. */
static int parse(int c, struct mk_args *m, int argc, char **argv)
{
  switch (c) {
  case O_FROM: m->o.from = optarg; break;
  case O_LAYER: add_layer(m, S2I_MKLAYER_DIR, optarg, NULL); break;
  case O_LAYER_TAR: add_layer(m, S2I_MKLAYER_TAR, optarg, NULL); break;
  case O_LAYER_DIFF:
    if (optind >= argc) {
      fputs("s2i mkimage: --layer-diff needs BASE and FULL\n", stderr);
      return S2I_EXIT_USAGE;
    }
    add_layer(m, S2I_MKLAYER_DIFF, argv[optind++], optarg);
    break;
  case O_USER: m->o.user = optarg; break;
  case O_WORKDIR: m->o.workdir = optarg; break;
  case O_ENV: s2i_strv_add(&m->env, optarg); break;
  case O_LABEL: s2i_strv_add(&m->labels, optarg); break;
  case O_EXPOSE: s2i_strv_add(&m->expose, optarg); break;
  case O_CMD: s2i_strv_add(&m->cmd, optarg); break;
  case O_ENTRYPOINT: s2i_strv_add(&m->entrypoint, optarg); break;
  case O_CACHE: m->o.cache_dir = optarg; break;
  case O_RUNTIME: m->o.runtime = 1; break;
  case O_ONBUILD: s2i_strv_add(&m->onbuild, optarg); break;
  case 'o': m->o.output = optarg; break;
  case 'h': fputs(mkimage_help, stdout); return 0;
  default:
    fputs("Run 's2i mkimage --help' for the options.\n", stderr);
    return S2I_EXIT_USAGE;
  }
  return -1;
}

static void mk_free(struct mk_args *m)
{
  free(m->layers);
  s2i_strv_free(&m->env);
  s2i_strv_free(&m->labels);
  s2i_strv_free(&m->onbuild);
  s2i_strv_free(&m->expose);
  s2i_strv_free(&m->cmd);
  s2i_strv_free(&m->entrypoint);
}

int cmd_mkimage(int argc, char **argv)
{
  struct mk_args m = {0};
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  int c, ret = -1;

  optind = 1;
  /* "+": stop permuting so --layer-diff can take its second operand */
  while (ret < 0 &&
         (c = cli_getopt(argc, argv, "+o:h", mk_options, "mkimage")) != -1)
    ret = parse(c, &m, argc, argv);
  if (ret < 0 && (argc - optind != 1 || m.o.output == NULL)) {
    fputs("s2i mkimage: expected -o OUT.tar and one TAG\n", stderr);
    ret = S2I_EXIT_USAGE;
  }
  if (ret < 0) {
    m.o.tag = argv[optind];
    m.o.layers = m.layers;
    m.o.env = &m.env;
    m.o.labels = &m.labels;
    m.o.onbuild = &m.onbuild;
    m.o.expose = &m.expose;
    m.o.cmd = &m.cmd;
    m.o.entrypoint = &m.entrypoint;
    cli_ctx_init(&ctx);
    ret = s2i_mkimage(&ctx, &m.o, &err) < 0 ? cli_fail(err) : 0;
  }
  mk_free(&m);
  return ret;
}
