/* `s2i create IMAGE DIR`: the skeleton of a new builder image, as the
 * original s2i lays it down: a Dockerfile, the s2i scripts in .s2i/bin/
 * (assemble, run, save-artifacts, usage), a Makefile, test/run and a test
 * application in test/test-app/, and a README.  The files are this
 * project's own: POSIX sh scripts that follow the s2i contract, and a test
 * that builds the test app with s2i into a tarball and runs it the way
 * OpenShift would (random UID, read-only root) with podman. */
#ifndef S2I_SKELETON_H
#define S2I_SKELETON_H

#include "ctx.h"
#include "error.h"

/* Write the skeleton for builder IMAGE into DIR (created if missing).  A
 * file that already exists is left alone and named in a warning, as the
 * original does.  IMAGE must look like an image name (letters, digits and
 * . _ - / : @): it is written into the files.  Returns the number of files
 * written, or <0 with *err naming the file or the bad name. */
int s2i_skeleton_create(const struct s2i_ctx *ctx, const char *image,
                        const char *dir, struct s2i_error **err);

#endif
