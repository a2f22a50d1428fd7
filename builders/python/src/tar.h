/* A minimal POSIX tar (ustar + pax path records) writer, so
 * save-artifacts needs no tar binary in the image. */
#ifndef S2I_BUILDER_TAR_H
#define S2I_BUILDER_TAR_H

#include <stdio.h>

/* Writes the tree at DIR to OUT with member names under PREFIX/.
 * Regular files, directories and symbolic links; others are skipped. */
int tar_write_tree(FILE *out, const char *dir, const char *prefix);

/* One member NAME for the file at PATH (directories recursively). */
struct stat;
int tar_put_entry(FILE *out, const char *path, const char *name,
                  const struct stat *st);

/* The two zero blocks that end an archive. */
int tar_finish(FILE *out);

#endif
