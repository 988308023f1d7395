/*
 * Shared by the .scale reader and writer: caps on every field (a file is
 * attacker-supplied input until its checksum verifies, and even then it
 * came from a registry) and the checksum itself.
 */
#ifndef SCALE_SCALEFILE_INTERNAL_H
#define SCALE_SCALEFILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "scale/scalefile.h"

/* Names, tags, organizations, language, hashes, dependency strings. */
#define SCALE_SCALEFILE_MAX_SHORT 1024u
/* Signature and extension schemas, the manifest. */
#define SCALE_SCALEFILE_MAX_TEXT (16u * 1024u * 1024u)
/* Extensions of a v1beta file; dependencies of a Gen-2 v1alpha file and
 * metadata entries of one dependency. */
#define SCALE_SCALEFILE_MAX_EXTENSIONS 1024u
#define SCALE_SCALEFILE_MAX_DEPENDENCIES 4096u
#define SCALE_SCALEFILE_MAX_METADATA 1024u

#endif
