/* The .whiskey/ contract from mod_wsgi-docker: action hooks, user_vars
 * and server_args.  A project's own .whiskey/ file wins; otherwise the
 * builder's default (WHISKEY_DEFAULTS, e.g. lektor's build hook) is used. */
#ifndef S2I_BUILDER_WHISKEY_H
#define S2I_BUILDER_WHISKEY_H

#include "paths.h"

/* Path of .whiskey/REL from the project, else from the builder defaults,
 * else NULL.  The caller frees it. */
char *whiskey_find(const struct paths *p, const char *rel);

/* Runs hook NAME (pre-build, build, deploy-env, deploy) from the app
 * root when executable; a present but non-executable hook only gets a
 * warning.  Returns 0 when it succeeded or did not run, else the wait
 * status (>0) after printing the hook's name and how it failed. */
int whiskey_run_hook(const struct paths *p, const char *name);

/* Copies .whiskey/user_vars/NAME files into ENVDIR (exported as
 * WHISKEY_ENVDIR, where deploy-env may change them) and sets them. */
int whiskey_load_user_vars(const struct paths *p, const char *envdir);

/* Sets every ENVDIR/NAME as environment variable NAME (content without
 * trailing newlines); unsets variables an earlier call set whose file
 * has gone.  Names that are not shell identifiers are skipped. */
int whiskey_apply_envdir(const char *envdir);

#endif
