/* .whiskey/server_args: mod_wsgi-express's option names, parsed in C.
 * The file is split into words like a shell would (quotes, backslash,
 * # comments, $VAR and ${VAR} / ${VAR:-default} from the environment)
 * but nothing in it is ever executed: $(...) and `...` are errors. */
#ifndef S2I_BUILDER_SERVER_ARGS_H
#define S2I_BUILDER_SERVER_ARGS_H

#include <stdbool.h>
#include <stddef.h>

struct sa_pair {
  char *a, *b;
};

struct server_opts {
  char *application_type; /* static | script | module; NULL: script */
  char *entry_point;      /* script path or module name */
  char *document_root;
  char *directory_index;
  char *callable_object; /* default "application" */
  char *working_directory;
  char *log_level;   /* Apache names; default "info" */
  char *mount_point; /* default "/" */
  char *access_log_format;
  int port;      /* 0: from $PORT, default 8080 */
  int processes; /* 0: one, not multiprocess */
  int threads;   /* default 5 */
  int max_clients;
  int keep_alive_timeout;
  int request_timeout, socket_timeout, queue_timeout, connect_timeout;
  int inactivity_timeout, maximum_requests;
  long limit_request_body;
  bool access_log, compress_responses;
  bool log_to_terminal, startup_log; /* accepted; logs always go there */
  /* Embedded mode (the default here) runs the app in Apache's worker
   * processes; daemon mode (mod_wsgi-express's default) in a separate
   * WSGIDaemonProcess.  daemon_opts: an option only daemon mode honours
   * (--request-timeout, --queue-timeout, ...) was given, which selects
   * daemon mode unless --embedded-mode says otherwise. */
  bool embedded_mode, daemon_mode, daemon_opts;
  struct sa_pair *url_aliases;
  size_t n_url_aliases;
  struct sa_pair *error_documents;
  size_t n_error_documents;
  struct sa_pair *setenv;
  size_t n_setenv;
  char **python_paths;
  size_t n_python_paths;
};

void server_opts_init(struct server_opts *o);

/* What a value may hold.  Everything that reaches a server config or
 * handler.wsgi passes sa_check_value first: SA_PATH refuses quotes,
 * backslashes, '$', ';' and braces (nginx expands $, Apache ${...});
 * SA_WORD allows letters, digits, '_', '.', '-', ':'; SA_TEXT (escaped
 * when written) refuses only '${'.  All refuse control characters. */
enum sa_check { SA_PATH, SA_WORD, SA_TEXT };

/* <0 with "LABEL VALUE: why" in ERR; LABEL names the option
 * ("--document-root") or variable ("APP_HOME"). */
int sa_check_value(const char *label, enum sa_check check, const char *v,
                   char *err, size_t len);
/* An SA_PATH value that is also absolute. */
int sa_check_abs_path(const char *label, const char *v, char *err, size_t len);
/* Dotted Python identifiers ("pkg.web"); a Python identifier. */
int sa_is_module(const char *s);
int sa_is_identifier(const char *s);

/* Splits TEXT into words with expansion.  Returns the NULL-terminated
 * word list (caller frees with server_args_free_words) or NULL with a
 * message in ERR. */
char **server_args_split(const char *text, char *err, size_t errlen);
void server_args_free_words(char **words);

/* Applies WORDS to O.  Unknown options and bad values fail with a
 * message in ERR naming the option; returns <0 then. */
int server_opts_parse(struct server_opts *o, char **words, char *err,
                      size_t errlen);

#endif
