/* One handler per command (cmd_<verb>.c): parse options, call the library,
 * print.  A handler returns the process exit status. */
#ifndef S2I_COMMANDS_H
#define S2I_COMMANDS_H

#define S2I_VERSION "0.1.0"

int cmd_build(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_usage(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_mkimage(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_generate(int argc, char **argv);

/* getopt_long that refuses abbreviated long options, as the original
 * does ("--ca" is not "--cache-dir"): returns '?' for them, as getopt does
 * for an unknown option, after saying which option was meant. */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts, const char *cmd);
/* images, tag, rmi, prune, save, pull, push (argv[0] says which) */
int cmd_store(int argc, char **argv);

/* "s2i CMD: <message>" and where to find the options; returns
 * S2I_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A ctx for one command: defaults, and the interrupt flag of the CLI's own
 * SIGINT/SIGTERM/SIGHUP handler (installed here). */
struct s2i_ctx;
void cli_ctx_init(struct s2i_ctx *ctx);

/* Print the error once and free it; returns the exit code to use. */
struct s2i_error;
int cli_fail(struct s2i_error *err);

#endif
