/*
 * `scale new NAME[:TAG]`: create a function project — a `scalefile`
 * descriptor and a C source from an embedded template — that `scale
 * build` turns into a stored function.
 *
 * Never overwrites: a directory that exists must be empty, and files are
 * created with O_EXCL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli/templates/embedded.h"
#include "registry/project.h"
#include "registry/store.h"
#include "scale/signature.h"

const scale__cli_file_t *scale__cli_template(const char *name) {
  for (size_t i = 0; i < scale__cli_template_count; i++)
    if (strcmp(scale__cli_templates[i].path, name) == 0) return &scale__cli_templates[i];
  return NULL;
}

void scale__cli_new_help(FILE *out) {
  fprintf(out,
          "usage: scale new NAME[:TAG] [--language c] [--signature http|PATH] [-d DIR]\n"
          "\n"
          "Create a function project in DIR (default ./NAME): a `scalefile` and NAME.c,\n"
          "a C function that answers \"Hello, World!\" on the HTTP signature. Build it\n"
          "with `scale build DIR`.\n"
          "\n"
          "NAME: lower-case letters, digits and '.' between them (no '-').\n"
          "TAG:  letters, digits, '.' and '-' (default latest).\n"
          "\n"
          "options:\n"
          "  -l, --language LANG    c (go, rust and typescript are not supported yet)\n"
          "  -s, --signature SIG    http (the built-in HTTP signature, default) or the\n"
          "                         path of a signature schema (HCL), copied into the\n"
          "                         project as scale.signature\n"
          "  -d, --directory DIR    where to create the project; must not exist or be empty\n");
}

/* Fail unless @p dir is missing or an empty directory; create it when missing. */
static bool prepare_dir(const char *dir) {
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      scale__cli_error("cannot create project in '%s': it exists and is not a directory", dir);
      return false;
    }
    DIR *d = opendir(dir);
    if (!d) {
      scale__cli_error("cannot open '%s': %s", dir, scale__errno_text(errno));
      return false;
    }
    struct dirent *de;
    bool empty = true;
    while (empty && (de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) empty = false;
    closedir(d);
    if (!empty) {
      scale__cli_error("directory '%s' exists and is not empty; choose another with -d", dir);
      return false;
    }
    return true;
  }
  if (errno != ENOENT) {
    scale__cli_error("cannot use '%s': %s", dir, scale__errno_text(errno));
    return false;
  }
  scale_error_t *e = scale__registry_mkdirs(dir, 0755);
  if (e) {
    scale__cli_error("%s", scale_error_message(e));
    scale_error_delete(e);
    return false;
  }
  return true;
}

static bool write_new(const char *dir, const char *name, const void *data, size_t len) {
  size_t cap = strlen(dir) + strlen(name) + 2;
  char *path = malloc(cap);
  if (!path) {
    scale__cli_error("out of memory");
    return false;
  }
  snprintf(path, cap, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  int err = fd < 0 ? errno : scale__write_all(fd, data, len);
  if (fd >= 0 && close(fd) != 0 && !err) err = errno;
  bool ok = !err;
  if (!ok) scale__cli_error("cannot write '%s': %s", path, scale__errno_text(err));
  free(path);
  return ok;
}

/* The template with @NAME@ and @TAG@ replaced; malloc'd. */
static char *instantiate(const scale__cli_file_t *t, const char *name, const char *tag) {
  size_t cap = t->len + 1, n = 0;
  for (size_t i = 0; i + 1 < t->len; i++)
    if (t->data[i] == '@') cap += strlen(name) + strlen(tag);
  char *out = malloc(cap);
  if (!out) return NULL;
  for (size_t i = 0; i < t->len;) {
    const char *rest = (const char *)t->data + i;
    size_t left = t->len - i;
    if (left >= 6 && memcmp(rest, "@NAME@", 6) == 0) {
      memcpy(out + n, name, strlen(name));
      n += strlen(name);
      i += 6;
    } else if (left >= 5 && memcmp(rest, "@TAG@", 5) == 0) {
      memcpy(out + n, tag, strlen(tag));
      n += strlen(tag);
      i += 5;
    } else {
      out[n++] = (char)t->data[i++];
    }
  }
  out[n] = '\0';
  return out;
}

static bool known_later(const char *lang) {
  static const char *const later[] = {
      "go", "golang",     "tinygo", "rust", "ts", "typescript", "assemblyscript",
      "js", "javascript", "zig",    "cpp",  "c++"};
  for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
    if (strcmp(lang, later[i]) == 0) return true;
  return false;
}

int scale__cli_new(int argc, char **argv) {
  const char *refarg = NULL, *language = "c", *signature = "http", *dir = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (!strcmp(a, "-l") || !strcmp(a, "--language"))
      slot = &language;
    else if (!strcmp(a, "-s") || !strcmp(a, "--signature"))
      slot = &signature;
    else if (!strcmp(a, "-d") || !strcmp(a, "--directory"))
      slot = &dir;
    else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      scale__cli_new_help(stdout);
      return SCALE_CLI_OK;
    } else if (a[0] == '-' && a[1]) {
      scale__cli_error("unknown option '%s'", a);
      return SCALE_CLI_USAGE;
    } else if (refarg) {
      scale__cli_error("unexpected argument '%s' (one NAME[:TAG] only)", a);
      return SCALE_CLI_USAGE;
    } else {
      refarg = a;
    }
    if (slot) {
      if (++i >= argc) {
        scale__cli_error("%s needs a value", a);
        return SCALE_CLI_USAGE;
      }
      *slot = argv[i];
    }
  }
  if (!refarg) {
    scale__cli_error("missing NAME[:TAG]; see 'scale help new'");
    return SCALE_CLI_USAGE;
  }
  if (strchr(refarg, '/')) {
    scale__cli_error("invalid name '%s': new functions are local, give NAME[:TAG] without an "
                     "organization",
                     refarg);
    return SCALE_CLI_USAGE;
  }
  scale__ref_t ref;
  char err[512];
  if (!scale__registry_parse_ref(refarg, &ref, err, sizeof err)) {
    scale__cli_error("%s", err);
    return SCALE_CLI_USAGE;
  }
  if (strcmp(language, "c") != 0) {
    if (known_later(language))
      scale__cli_error("language '%s' is not supported yet (only c)", language);
    else
      scale__cli_error("unknown language '%s' (want c)", language);
    return SCALE_CLI_USAGE;
  }

  /* A custom signature must parse before anything is created. */
  bool http = strcmp(signature, "http") == 0;
  scale_signature_t *sig = NULL;
  if (!http) {
    scale_error_t *e = scale_signature_load(signature, &sig);
    if (e) {
      scale__cli_error("invalid signature '%s': %s", signature, scale_error_message(e));
      scale_error_delete(e);
      return SCALE_CLI_FAILURE;
    }
  }
  uint8_t *sig_text = NULL;
  size_t sig_len = 0;
  if (!http && !scale__cli_read_file(signature, 1u << 20, &sig_text, &sig_len)) {
    scale_signature_delete(sig);
    return SCALE_CLI_FAILURE;
  }
  scale_signature_delete(sig);

  char sig_name[SCALE_STORE_MAX_NAME + 16];
  snprintf(sig_name, sizeof sig_name, "%s-signature", ref.name);
  scale__project_t p = {
      .version = "v1alpha",
      .name = ref.name,
      .tag = ref.tag,
      .language = "c",
      .signature_org = http ? "scale" : "local",
      .signature_name = http ? "http" : sig_name,
      .signature_tag = http ? "latest" : ref.tag,
      .stateless = true,
      .function = "scale",
      .initialize = "",
      .description = "",
  };
  char *scalefile = scale__project_format(&p);
  const scale__cli_file_t *tpl = scale__cli_template(http ? "c/http.c.in" : "c/raw.c.in");
  char *source = tpl ? instantiate(tpl, ref.name, ref.tag) : NULL;
  char default_dir[SCALE_STORE_MAX_NAME + 3];
  snprintf(default_dir, sizeof default_dir, "./%s", ref.name);
  if (!dir) dir = default_dir;
  char source_name[SCALE_STORE_MAX_NAME + 3];
  snprintf(source_name, sizeof source_name, "%s.c", ref.name);

  int rc = SCALE_CLI_FAILURE;
  if (!scalefile || !source)
    scale__cli_error(tpl ? "out of memory" : "template missing from this scale binary");
  else if (prepare_dir(dir) && write_new(dir, "scalefile", scalefile, strlen(scalefile)) &&
           write_new(dir, source_name, source, strlen(source)) &&
           (http || write_new(dir, "scale.signature", sig_text, sig_len))) {
    printf("created %s:%s in %s (scalefile, %s%s)\n", ref.name, ref.tag, dir, source_name,
           http ? "" : ", scale.signature");
    printf("build it with: scale build %s\n", dir);
    rc = SCALE_CLI_OK;
  }
  free(scalefile);
  free(source);
  free(sig_text);
  return rc;
}
