/* deps: which file declares the app's Python dependencies, and their
 * installation into the venv with pip.  The first found wins:
 * Pipfile.lock, Pipfile, pyproject.toml (a project: [build-system],
 * [project] or [tool.poetry]; with poetry.lock as constraints),
 * requirements.txt; then the project itself from setup.py/setup.cfg
 * unless pyproject.toml installed it or DISABLE_SETUP_PY_PROCESSING.
 * ENABLE_PIPENV runs pipenv (Debian's) for a Pipfile or requirements.txt
 * as sclorg's images do; otherwise no pipenv is needed. */
#ifndef S2I_BUILDER_DEPS_H
#define S2I_BUILDER_DEPS_H

#include "paths.h"

enum deps_kind {
  DEPS_NONE,
  DEPS_PIPFILE_LOCK,
  DEPS_PIPFILE,
  DEPS_PYPROJECT,
  DEPS_REQUIREMENTS,
};

struct deps_plan {
  enum deps_kind kind;
  int poetry_lock; /* DEPS_PYPROJECT with a poetry.lock */
  int setup;       /* pip install . for setup.py / setup.cfg afterwards */
  int pipenv;      /* ENABLE_PIPENV: pipenv installs the Pipfile(.lock) or
                      requirements.txt, as sclorg's assemble runs it */
};

/* The plan for the source at SRC; <0 with the error printed when the
 * environment asks for something contradictory. */
int deps_plan(const char *src, struct deps_plan *plan);

/* Installs the plan into the venv.  When the previous image's venv
 * (<dest>/artifacts/venv) was installed from the same declaration files,
 * it is reused and only the project itself is reinstalled.  0 or 1 (the
 * error printed). */
int deps_install(const struct paths *p, const struct deps_plan *plan);

#endif
