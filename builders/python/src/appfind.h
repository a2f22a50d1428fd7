/* What to run when .whiskey/server_args does not say, in the spirit of
 * sclorg's python builder: APPLICATION_TYPE=static, app.sh, APP_MODULE,
 * APP_FILE/app.py, wsgi.py, then a static site detected by its
 * index.html.  run uses it to start; assemble to fail a build that
 * would have nothing to run. */
#ifndef S2I_BUILDER_APPFIND_H
#define S2I_BUILDER_APPFIND_H

enum app_kind {
  APP_NONE,
  APP_SHELL,       /* $APP_SCRIPT (app.sh), executable: exec it */
  APP_WSGI_MODULE, /* $APP_MODULE module[:callable] under Apache */
  APP_PYTHON,      /* $APP_FILE (app.py): python runs it, its own server */
  APP_WSGI_SCRIPT, /* wsgi.py, callable "application", under Apache */
  APP_STATIC,      /* a document root served by nginx */
};

struct app_choice {
  enum app_kind kind;
  char *path;     /* APP_SHELL, APP_PYTHON, APP_WSGI_SCRIPT; APP_STATIC:
                     the document root, absolute */
  char *module;   /* APP_WSGI_MODULE */
  char *callable; /* APP_WSGI_MODULE; NULL: application */
};

/* Looks in HOME (the app root, or $APP_HOME under it).  WSGI_ONLY: only
 * the WSGI entry points count (server_args gave options but no entry
 * point).  Returns APP_NONE after printing what was looked for. */
enum app_kind appfind(const char *home, int wsgi_only, struct app_choice *c);

/* APPLICATION_TYPE says static (1), is unset (0), or holds something
 * else (-1, error printed). */
int appfind_static_env(void);

/* $DOCUMENT_ROOT against HOME, or HOME itself; the caller frees. */
char *appfind_document_root(const char *home);

/* DIR is a directory with at least one entry. */
int appfind_has_content(const char *dir);

#endif
