/* Where things live, from the environment with the image's defaults, so
 * tests can run the programs on a host against temporary directories. */
#ifndef S2I_BUILDER_PATHS_H
#define S2I_BUILDER_PATHS_H

struct paths {
  char *app_root;  /* $APP_ROOT, default /opt/app-root */
  char *src;       /* $APP_ROOT/src: the application, HOME */
  char *venv;      /* $APP_ROOT/venv: --system-site-packages venv */
  char *data;      /* $WHISKEY_DATADIR, default /data */
  char *tmp;       /* $TMPDIR; unset: /tmp, run makes a private dir */
  char *dest;      /* $S2I_DESTINATION, default /tmp */
  char *pip_cache; /* $PIP_CACHE_DIR, default $APP_ROOT/.cache/pip */
  char *defaults;  /* $WHISKEY_DEFAULTS: builder's default .whiskey */
};

/* In the venv (so it travels with it into a runtime image): Django's
 * STATIC_URL and STATIC_ROOT, one a line, written by assemble after
 * collectstatic, read by run to serve them. */
#define PATHS_DJANGO_STATIC ".s2i-django-static"

void paths_init(struct paths *p);

/* Exports WHISKEY_*, VIRTUAL_ENV, PIP_CACHE_DIR and puts the venv's bin
 * first on PATH, for hooks and the app. */
void paths_export(const struct paths *p);

/* The venv's python when it exists, else python3 from PATH. */
const char *paths_python(const struct paths *p);

#endif
