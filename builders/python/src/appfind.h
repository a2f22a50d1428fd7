/* What to run when .whiskey/server_args does not say, in the spirit of
 * sclorg's python builder: app.sh, APP_MODULE, APP_FILE/app.py, wsgi.py. */
#ifndef S2I_BUILDER_APPFIND_H
#define S2I_BUILDER_APPFIND_H

enum app_kind {
  APP_NONE,
  APP_SHELL,       /* $APP_SCRIPT (app.sh), executable: exec it */
  APP_WSGI_MODULE, /* $APP_MODULE module[:callable] under Apache */
  APP_PYTHON,      /* $APP_FILE (app.py): python runs it, its own server */
  APP_WSGI_SCRIPT, /* wsgi.py, callable "application", under Apache */
};

struct app_choice {
  enum app_kind kind;
  char *path;     /* APP_SHELL, APP_PYTHON, APP_WSGI_SCRIPT */
  char *module;   /* APP_WSGI_MODULE */
  char *callable; /* APP_WSGI_MODULE; NULL: application */
};

/* Looks in HOME (the app root, or $APP_HOME under it).  WSGI_ONLY: only
 * the WSGI entry points count (server_args gave options but no entry
 * point).  Returns APP_NONE after printing what was looked for. */
enum app_kind appfind(const char *home, int wsgi_only, struct app_choice *c);

#endif
