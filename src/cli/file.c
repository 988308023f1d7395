/*
 * Reading input files for commands: whole files, with a hard cap, and
 * errors worded for people ("cannot open 'x.wasm': no such file").
 *
 * Never trusts the size a file claims: pipes and /proc files report 0
 * and growing files grow, so the cap is enforced on what is read.
 */
#include "util/file.h"
#include "cli.h"

bool scale__cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len) {
  bool too_big = false;
  int err = scale__read_capped(path, max, false, out, len, &too_big);
  if (too_big) {
    scale__cli_error("cannot load '%s': larger than the limit of %zu bytes", path, max);
    return false;
  }
  if (err) {
    scale__cli_error("cannot %s '%s': %s", scale__errno_on_open(err) ? "open" : "read", path,
                     scale__errno_text(err));
    return false;
  }
  return true;
}
