/*
 * The function store proper: index.json, manifests and configs on top of
 * the blobs in blob.c, the lock that serialises writers, and collection
 * of blobs nothing references any more.
 *
 * index.json is only ever replaced whole (rename) while the exclusive
 * lock is held, so two `scale build`s never lose each other's entry, and
 * readers (shared lock) never see half a file. Entries this code did not
 * write (other tools, other annotations) are kept as they are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "registry/store.h"
#include "util/file.h"

struct scale__registry {
  char *home;
  char *root; /* home/functions */
  int lock_fd;
};

static const char layout_text[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", a, b);
  return p;
}

static char *dup_str(const char *s) {
  s = s ? s : "";
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

/* ---- home, open, lock --------------------------------------------- */

scale_error_t *scale__registry_home(bool create, char **out) {
  const char *env = getenv("SCALE_HOME");
  char *home;
  if (env && *env) {
    home = dup_str(env);
  } else {
    const char *h = getenv("HOME");
    if (!h || !*h)
      return scale_error_new("cannot find the store: neither SCALE_HOME nor HOME is set");
    home = join(h, ".config/scale");
  }
  if (!home) return scale_error_new("out of memory");
  if (create) {
    scale_error_t *e = scale__registry_mkdirs(home, 0700);
    if (e) {
      free(home);
      return e;
    }
  }
  *out = home;
  return NULL;
}

static scale_error_t *check_layout(const char *root) {
  char *path = join(root, "oci-layout");
  if (!path) return scale_error_new("out of memory");
  FILE *f = fopen(path, "rb");
  if (!f && errno == ENOENT) {
    scale_error_t *e =
        scale__registry_write_atomic(path, (const uint8_t *)layout_text, strlen(layout_text));
    free(path);
    return e;
  }
  if (!f) {
    int err = errno;
    scale_error_t *e = scale__registry_errorf("cannot open '%s': %s", path, scale__errno_text(err));
    free(path);
    return e;
  }
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  cJSON *j = cJSON_Parse(buf);
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "imageLayoutVersion"));
  scale_error_t *e = NULL;
  if (!v)
    e = scale__registry_errorf("'%s' is not an OCI layout file (no imageLayoutVersion)", path);
  else if (strcmp(v, "1.0.0") != 0)
    e = scale__registry_errorf("'%s' has imageLayoutVersion '%s'; this scale reads 1.0.0", path, v);
  cJSON_Delete(j);
  free(path);
  return e;
}

scale_error_t *scale__registry_open(const char *home, scale__registry_t **out) {
  scale__registry_t *reg = calloc(1, sizeof *reg);
  if (!reg) return scale_error_new("out of memory");
  reg->lock_fd = -1;
  scale_error_t *e = NULL;
  if (home) {
    reg->home = dup_str(home);
    if (!reg->home)
      e = scale_error_new("out of memory");
    else
      e = scale__registry_mkdirs(home, 0700);
  } else {
    e = scale__registry_home(true, &reg->home);
  }
  char *blobs = NULL, *lock = NULL;
  if (!e) {
    reg->root = join(reg->home, "functions");
    blobs = reg->root ? join(reg->root, "blobs/sha256") : NULL;
    lock = join(reg->home, "functions.lock");
    if (!blobs || !lock) e = scale_error_new("out of memory");
  }
  if (!e) e = scale__registry_mkdirs(blobs, 0755);
  if (!e) {
    reg->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    /* A store someone else owns can still be read: flock works on read-only descriptors. */
    if (reg->lock_fd < 0 && (errno == EACCES || errno == EROFS))
      reg->lock_fd = open(lock, O_RDONLY | O_CLOEXEC);
    if (reg->lock_fd < 0)
      e = scale__registry_errorf("cannot open lock file '%s': %s", lock, scale__errno_text(errno));
  }
  if (!e) e = check_layout(reg->root);
  free(blobs);
  free(lock);
  if (e) {
    scale__registry_close(reg);
    return e;
  }
  *out = reg;
  return NULL;
}

void scale__registry_close(scale__registry_t *reg) {
  if (!reg) return;
  if (reg->lock_fd >= 0) close(reg->lock_fd);
  free(reg->home);
  free(reg->root);
  free(reg);
}

const char *scale__registry_root(const scale__registry_t *reg) {
  return reg->root;
}

static scale_error_t *lock(scale__registry_t *reg, bool exclusive) {
  while (flock(reg->lock_fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR)
      return scale__registry_errorf("cannot lock the store '%s': %s", reg->root,
                                    scale__errno_text(errno));
  }
  return NULL;
}

static void unlock(scale__registry_t *reg) {
  flock(reg->lock_fd, LOCK_UN);
}

/* ---- index.json ---------------------------------------------------- */

static scale_error_t *load_index(scale__registry_t *reg, cJSON **out) {
  char *path = join(reg->root, "index.json");
  if (!path) return scale_error_new("out of memory");
  FILE *f = fopen(path, "rb");
  if (!f && errno == ENOENT) {
    free(path);
    cJSON *idx = cJSON_CreateObject();
    if (!idx || !cJSON_AddNumberToObject(idx, "schemaVersion", 2) ||
        !cJSON_AddStringToObject(idx, "mediaType", SCALE_STORE_INDEX_TYPE) ||
        !cJSON_AddArrayToObject(idx, "manifests")) {
      cJSON_Delete(idx);
      return scale_error_new("out of memory");
    }
    *out = idx;
    return NULL;
  }
  if (!f) {
    scale_error_t *e =
        scale__registry_errorf("cannot open '%s': %s", path, scale__errno_text(errno));
    free(path);
    return e;
  }
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  scale_error_t *e = NULL;
  while (buf) {
    if (n + 1 >= cap) {
      if (cap > SCALE_STORE_MAX_INDEX) {
        e = scale__registry_errorf("'%s' is larger than the limit of %zu bytes", path,
                                   SCALE_STORE_MAX_INDEX);
        break;
      }
      char *nb = realloc(buf, cap * 2);
      if (!nb) break;
      buf = nb;
      cap *= 2;
    }
    size_t r = fread(buf + n, 1, cap - 1 - n, f);
    n += r;
    if (r == 0) break;
  }
  bool io_error = ferror(f);
  fclose(f);
  if (!buf || (!e && io_error)) {
    e = buf ? scale__registry_errorf("cannot read '%s'", path) : scale_error_new("out of memory");
  }
  cJSON *idx = NULL;
  if (!e) {
    buf[n] = '\0';
    idx = cJSON_ParseWithLength(buf, n);
    cJSON *m = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
    cJSON *v = cJSON_GetObjectItemCaseSensitive(idx, "schemaVersion");
    if (!cJSON_IsObject(idx))
      e = scale__registry_errorf("'%s' is not a JSON object", path);
    else if (!cJSON_IsNumber(v) || v->valuedouble != 2)
      e = scale__registry_errorf("'%s' has no schemaVersion 2", path);
    else if (m && !cJSON_IsArray(m))
      e = scale__registry_errorf("'%s': manifests is not an array", path);
    else if (!m && !cJSON_AddArrayToObject(idx, "manifests"))
      e = scale_error_new("out of memory");
    else if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(idx, "manifests")) >
             SCALE_STORE_MAX_ENTRIES)
      e = scale__registry_errorf("'%s' has more than %d entries", path, SCALE_STORE_MAX_ENTRIES);
  }
  free(buf);
  free(path);
  if (e) {
    cJSON_Delete(idx);
    return e;
  }
  *out = idx;
  return NULL;
}

static scale_error_t *save_index(scale__registry_t *reg, cJSON *idx) {
  char *text = cJSON_PrintUnformatted(idx);
  char *path = join(reg->root, "index.json");
  scale_error_t *e = (!text || !path)
                         ? scale_error_new("out of memory")
                         : scale__registry_write_atomic(path, (const uint8_t *)text, strlen(text));
  free(text);
  free(path);
  return e;
}

static const char *entry_ref(const cJSON *entry) {
  const cJSON *ann = cJSON_GetObjectItemCaseSensitive(entry, "annotations");
  return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, SCALE_STORE_REF_ANNOTATION));
}

/* The entry of @p ref in manifests, or NULL. */
static cJSON *find_entry(cJSON *idx, const char *ref) {
  cJSON *entry;
  cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(idx, "manifests")) {
    const char *r = entry_ref(entry);
    if (r && strcmp(r, ref) == 0) return entry;
  }
  return NULL;
}

static void remove_entries(cJSON *idx, const char *ref) {
  cJSON *m = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
  for (int i = cJSON_GetArraySize(m) - 1; i >= 0; i--) {
    const char *r = entry_ref(cJSON_GetArrayItem(m, i));
    if (r && strcmp(r, ref) == 0) cJSON_DeleteItemFromArray(m, i);
  }
}

/* A descriptor's digest and size, checked. */
static bool descriptor(const cJSON *d, const char **digest, int64_t *size) {
  const cJSON *dg = cJSON_GetObjectItemCaseSensitive(d, "digest");
  const cJSON *sz = cJSON_GetObjectItemCaseSensitive(d, "size");
  if (!cJSON_IsString(dg) || !scale__registry_digest_valid(dg->valuestring) ||
      !cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9007199254740992.0)
    return false;
  *digest = dg->valuestring;
  *size = (int64_t)sz->valuedouble;
  return (double)*size == sz->valuedouble;
}

static cJSON *make_descriptor(const char *media_type, const char *digest, size_t size) {
  cJSON *d = cJSON_CreateObject();
  if (d && cJSON_AddStringToObject(d, "mediaType", media_type) &&
      cJSON_AddStringToObject(d, "digest", digest) &&
      cJSON_AddNumberToObject(d, "size", (double)size))
    return d;
  cJSON_Delete(d);
  return NULL;
}

/* ---- manifests and configs ----------------------------------------- */

typedef struct parsed_manifest {
  char config_digest[SCALE_STORE_DIGEST_SIZE];
  int64_t config_size;
  char layer_digest[SCALE_STORE_DIGEST_SIZE];
  int64_t layer_size;
  char *layer_type;
} parsed_manifest_t;

static scale_error_t *read_manifest(const char *root, const char *digest, int64_t size,
                                    parsed_manifest_t *pm) {
  uint8_t *buf;
  size_t len;
  scale_error_t *e =
      scale__registry_read_blob(root, digest, size, SCALE_STORE_MAX_JSON, &buf, &len);
  if (e) return e;
  cJSON *m = cJSON_ParseWithLength((const char *)buf, len);
  free(buf);
  const cJSON *config = cJSON_GetObjectItemCaseSensitive(m, "config");
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(m, "layers");
  const cJSON *layer = cJSON_GetArrayItem(layers, 0);
  const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "mediaType"));
  const char *ct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(config, "mediaType"));
  const char *lt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(layer, "mediaType"));
  const char *cd = NULL, *ld = NULL;
  memset(pm, 0, sizeof *pm);
  if (!cJSON_IsObject(m) || (mt && strcmp(mt, SCALE_STORE_MANIFEST_TYPE) != 0))
    e = scale__registry_errorf("manifest %s in '%s' is not an OCI image manifest", digest, root);
  else if (!ct || strcmp(ct, SCALE_STORE_CONFIG_TYPE) != 0)
    e = scale__registry_errorf("manifest %s in '%s' is not a scale function (config media type "
                               "'%s')",
                               digest, root, ct ? ct : "");
  else if (cJSON_GetArraySize(layers) != 1 || !lt ||
           strncmp(lt, "application/vnd.scale.function.", 31) != 0)
    e = scale__registry_errorf("manifest %s in '%s' does not have exactly one .scale layer", digest,
                               root);
  else if (!descriptor(config, &cd, &pm->config_size) || !descriptor(layer, &ld, &pm->layer_size))
    e = scale__registry_errorf("manifest %s in '%s' has a malformed descriptor", digest, root);
  else if (!(pm->layer_type = dup_str(lt)))
    e = scale_error_new("out of memory");
  if (!e) {
    strcpy(pm->config_digest, cd);
    strcpy(pm->layer_digest, ld);
  }
  cJSON_Delete(m);
  return e;
}

static cJSON *config_json(const scale__fnmeta_t *meta, const char *created) {
  cJSON *c = cJSON_CreateObject();
  cJSON *sig = cJSON_CreateObject();
  bool ok = c && sig;
#define S(obj, key, val) ok = ok && cJSON_AddStringToObject(obj, key, (val) ? (val) : "")
  S(c, "organization", meta->org);
  S(c, "name", meta->name);
  S(c, "tag", meta->tag);
  S(c, "language", meta->language);
  S(sig, "organization", meta->signature_org);
  S(sig, "name", meta->signature_name);
  S(sig, "tag", meta->signature_tag);
  S(sig, "hash", meta->signature_hash);
  ok = ok && cJSON_AddItemToObject(c, "signature", sig);
  if (!ok && c && sig && !cJSON_GetObjectItemCaseSensitive(c, "signature")) cJSON_Delete(sig);
  ok = ok && cJSON_AddBoolToObject(c, "stateless", meta->stateless);
  S(c, "description", meta->description);
  S(c, "created", created);
  ok = ok && cJSON_AddNumberToObject(c, "module_size", (double)meta->module_size);
#undef S
  if (!ok) {
    cJSON_Delete(c);
    return NULL;
  }
  return c;
}

static bool parse_config(const uint8_t *buf, size_t len, scale__fnmeta_t *meta) {
  memset(meta, 0, sizeof *meta);
  cJSON *c = cJSON_ParseWithLength((const char *)buf, len);
  if (!cJSON_IsObject(c)) {
    cJSON_Delete(c);
    return false;
  }
  const cJSON *sig = cJSON_GetObjectItemCaseSensitive(c, "signature");
#define G(obj, key) dup_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key)))
  meta->org = G(c, "organization");
  meta->name = G(c, "name");
  meta->tag = G(c, "tag");
  meta->language = G(c, "language");
  meta->signature_org = G(sig, "organization");
  meta->signature_name = G(sig, "name");
  meta->signature_tag = G(sig, "tag");
  meta->signature_hash = G(sig, "hash");
  meta->description = G(c, "description");
  meta->created = G(c, "created");
#undef G
  meta->stateless = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "stateless"));
  const cJSON *ms = cJSON_GetObjectItemCaseSensitive(c, "module_size");
  meta->module_size = cJSON_IsNumber(ms) && ms->valuedouble >= 0 ? (uint64_t)ms->valuedouble : 0;
  cJSON_Delete(c);
  bool ok = meta->org && meta->name && meta->tag && meta->language && meta->signature_org &&
            meta->signature_name && meta->signature_tag && meta->signature_hash &&
            meta->description && meta->created;
  if (!ok) scale__registry_meta_release(meta);
  return ok;
}

void scale__registry_meta_release(scale__fnmeta_t *meta) {
  if (!meta) return;
  free(meta->org);
  free(meta->name);
  free(meta->tag);
  free(meta->language);
  free(meta->signature_org);
  free(meta->signature_name);
  free(meta->signature_tag);
  free(meta->signature_hash);
  free(meta->description);
  free(meta->created);
  memset(meta, 0, sizeof *meta);
}

void scale__registry_info_release(scale__fninfo_t *info) {
  if (!info) return;
  scale__registry_meta_release(&info->meta);
  free(info->damage);
  info->damage = NULL;
}

/* Fill @p info (and the layer bytes when asked) from index entry @p entry. */
static scale_error_t *describe(scale__registry_t *reg, const cJSON *entry, scale__fninfo_t *info,
                               uint8_t **bytes, size_t *len) {
  const char *digest;
  int64_t size;
  char err[256];
  const char *ref = entry_ref(entry);
  memset(info, 0, sizeof *info);
  if (!descriptor(entry, &digest, &size))
    return scale__registry_errorf("'%s/index.json': entry '%s' has a malformed descriptor",
                                  reg->root, ref ? ref : "");
  if (ref && !scale__registry_parse_ref(ref, &info->ref, err, sizeof err))
    return scale__registry_errorf("'%s/index.json': %s", reg->root, err);
  strcpy(info->manifest_digest, digest);
  parsed_manifest_t pm;
  scale_error_t *e = read_manifest(reg->root, digest, size, &pm);
  if (e) return e;
  free(pm.layer_type);
  strcpy(info->layer_digest, pm.layer_digest);
  info->layer_size = (uint64_t)pm.layer_size;
  uint8_t *cbuf;
  size_t clen;
  e = scale__registry_read_blob(reg->root, pm.config_digest, pm.config_size, SCALE_STORE_MAX_JSON,
                                &cbuf, &clen);
  if (e) return e;
  bool ok = parse_config(cbuf, clen, &info->meta);
  free(cbuf);
  if (!ok)
    return scale__registry_errorf("config %s in '%s' is not a scale function config",
                                  pm.config_digest, reg->root);
  if (bytes) {
    e = scale__registry_read_blob(reg->root, pm.layer_digest, pm.layer_size, SCALE_STORE_MAX_LAYER,
                                  bytes, len);
    if (e) {
      scale__registry_info_release(info);
      return e;
    }
  }
  return NULL;
}

/* ---- collection ------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Delete blobs no index entry reaches, and stray temporaries. Runs under
 * the exclusive lock. When any entry cannot be followed (a nested index,
 * a damaged manifest) nothing is deleted: better a leak than a loss.
 */
static size_t collect(scale__registry_t *reg, cJSON *idx) {
  cJSON *m = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
  size_t cap = 3 * (size_t)cJSON_GetArraySize(m) + 1, n = 0, removed = 0;
  char **keep = calloc(cap, sizeof *keep);
  if (!keep) return 0;
  bool safe = true;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, m) {
    const char *digest;
    int64_t size;
    const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "mediaType"));
    parsed_manifest_t pm;
    if (!descriptor(entry, &digest, &size) || (mt && strcmp(mt, SCALE_STORE_MANIFEST_TYPE) != 0)) {
      safe = false;
      break;
    }
    scale_error_t *e = read_manifest(reg->root, digest, size, &pm);
    if (e) {
      scale_error_delete(e);
      safe = false;
      break;
    }
    free(pm.layer_type);
    keep[n++] = dup_str(digest + 7);
    keep[n++] = dup_str(pm.config_digest + 7);
    keep[n++] = dup_str(pm.layer_digest + 7);
    if (!keep[n - 1] || !keep[n - 2] || !keep[n - 3]) {
      safe = false;
      break;
    }
  }
  char *dir = join(reg->root, "blobs/sha256");
  DIR *d = safe && dir ? opendir(dir) : NULL;
  if (d) {
    qsort(keep, n, sizeof *keep, cmp_str);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      const char *name = de->d_name;
      bool temp = strstr(name, ".tmp-") != NULL;
      bool blob = strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
      if (!temp && (!blob || bsearch(&name, keep, n, sizeof *keep, cmp_str))) continue;
      if (unlinkat(dirfd(d), name, 0) == 0 && blob) removed++;
    }
    closedir(d);
  }
  /* An index.json.tmp-* left by a writer that died before its rename. */
  DIR *r = safe ? opendir(reg->root) : NULL;
  if (r) {
    struct dirent *de;
    while ((de = readdir(r)) != NULL)
      if (strncmp(de->d_name, "index.json.tmp-", 15) == 0) unlinkat(dirfd(r), de->d_name, 0);
    closedir(r);
  }
  free(dir);
  for (size_t i = 0; i < n; i++)
    free(keep[i]);
  free(keep);
  return removed;
}

/* ---- operations ------------------------------------------------------ */

static void now_rfc3339(char *buf, size_t cap) {
  time_t t = time(NULL);
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) < 15)
    t = (time_t)strtoll(sde, NULL, 10);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static scale_error_t *put_blob_json(scale__registry_t *reg, cJSON *j, char *digest, size_t *size) {
  char *text = cJSON_PrintUnformatted(j);
  if (!text) return scale_error_new("out of memory");
  *size = strlen(text);
  scale_error_t *e = scale__registry_write_blob(reg->root, (const uint8_t *)text, *size, digest);
  free(text);
  return e;
}

static scale_error_t *put_locked(scale__registry_t *reg, const char *refstr,
                                 const scale__fnmeta_t *meta, const uint8_t *bytes, size_t len,
                                 char *digest_out) {
  char layer_digest[SCALE_STORE_DIGEST_SIZE], config_digest[SCALE_STORE_DIGEST_SIZE];
  char manifest_digest[SCALE_STORE_DIGEST_SIZE], created[40];
  size_t config_size = 0, manifest_size = 0;
  if (meta->created && *meta->created)
    snprintf(created, sizeof created, "%s", meta->created);
  else
    now_rfc3339(created, sizeof created);
  scale_error_t *e = scale__registry_write_blob(reg->root, bytes, len, layer_digest);
  if (e) return e;
  cJSON *config = config_json(meta, created);
  if (!config) return scale_error_new("out of memory");
  e = put_blob_json(reg, config, config_digest, &config_size);
  cJSON_Delete(config);
  if (e) return e;

  cJSON *man = cJSON_CreateObject();
  cJSON *cdesc = make_descriptor(SCALE_STORE_CONFIG_TYPE, config_digest, config_size);
  cJSON *ldesc = make_descriptor(SCALE_STORE_LAYER_TYPE, layer_digest, len);
  cJSON *layers = cJSON_CreateArray();
  cJSON *lann = cJSON_CreateObject(), *mann = cJSON_CreateObject();
  char title[3 * SCALE_STORE_MAX_NAME + 16];
  snprintf(title, sizeof title, "%s-%s-%s.scale", meta->org ? meta->org : "local",
           meta->name ? meta->name : "", meta->tag ? meta->tag : "");
  bool ok = man && cdesc && ldesc && layers && lann && mann &&
            cJSON_AddStringToObject(lann, "org.opencontainers.image.title", title) &&
            cJSON_AddStringToObject(mann, "org.opencontainers.image.created", created);
  if (ok) {
    /* Ownership moves into the tree one by one; on failure the tree frees what it holds. */
    cJSON_AddItemToObject(ldesc, "annotations", lann);
    lann = NULL;
    cJSON_AddItemToArray(layers, ldesc);
    ldesc = NULL;
    ok = cJSON_AddNumberToObject(man, "schemaVersion", 2) &&
         cJSON_AddStringToObject(man, "mediaType", SCALE_STORE_MANIFEST_TYPE);
    cJSON_AddItemToObject(man, "config", cdesc);
    cdesc = NULL;
    cJSON_AddItemToObject(man, "layers", layers);
    layers = NULL;
    cJSON_AddItemToObject(man, "annotations", mann);
    mann = NULL;
  }
  cJSON_Delete(cdesc);
  cJSON_Delete(ldesc);
  cJSON_Delete(layers);
  cJSON_Delete(lann);
  cJSON_Delete(mann);
  e = ok ? put_blob_json(reg, man, manifest_digest, &manifest_size)
         : scale_error_new("out of memory");
  cJSON_Delete(man);
  if (e) return e;

  cJSON *idx;
  if ((e = load_index(reg, &idx)) != NULL) return e;
  remove_entries(idx, refstr);
  cJSON *desc = make_descriptor(SCALE_STORE_MANIFEST_TYPE, manifest_digest, manifest_size);
  cJSON *ann = cJSON_CreateObject();
  if (!desc || !ann || !cJSON_AddStringToObject(ann, SCALE_STORE_REF_ANNOTATION, refstr)) {
    cJSON_Delete(desc);
    cJSON_Delete(ann);
    cJSON_Delete(idx);
    return scale_error_new("out of memory");
  }
  cJSON_AddItemToObject(desc, "annotations", ann);
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(idx, "manifests"), desc);
  e = save_index(reg, idx);
  if (!e) collect(reg, idx);
  cJSON_Delete(idx);
  if (!e && digest_out) strcpy(digest_out, manifest_digest);
  return e;
}

scale_error_t *scale__registry_put(scale__registry_t *reg, const scale__ref_t *ref,
                                   const scale__fnmeta_t *meta, const uint8_t *bytes, size_t len,
                                   char *digest_out) {
  char refstr[3 * SCALE_STORE_MAX_NAME + 4];
  if (len > SCALE_STORE_MAX_LAYER)
    return scale__registry_errorf("function too large to store (%zu bytes, limit %zu)", len,
                                  SCALE_STORE_MAX_LAYER);
  scale__registry_format_ref(ref, refstr, sizeof refstr);
  scale_error_t *e = lock(reg, true);
  if (e) return e;
  e = put_locked(reg, refstr, meta, bytes, len, digest_out);
  unlock(reg);
  return e;
}

static scale_error_t *not_found(scale__registry_t *reg, const char *refstr) {
  return scale__registry_errorf("function '%s' not found in %s", refstr, reg->root);
}

scale_error_t *scale__registry_get(scale__registry_t *reg, const scale__ref_t *ref,
                                   scale__fninfo_t *info, uint8_t **bytes, size_t *len) {
  char refstr[3 * SCALE_STORE_MAX_NAME + 4];
  scale__registry_format_ref(ref, refstr, sizeof refstr);
  scale_error_t *e = lock(reg, false);
  if (e) return e;
  cJSON *idx = NULL;
  e = load_index(reg, &idx);
  cJSON *entry = e ? NULL : find_entry(idx, refstr);
  if (!e && !entry) e = not_found(reg, refstr);
  scale__fninfo_t local;
  if (!e) e = describe(reg, entry, &local, bytes, len);
  unlock(reg);
  cJSON_Delete(idx);
  if (e) return e;
  if (info)
    *info = local;
  else
    scale__registry_info_release(&local);
  return NULL;
}

static int cmp_info(const void *a, const void *b) {
  const scale__ref_t *x = &((const scale__fninfo_t *)a)->ref,
                     *y = &((const scale__fninfo_t *)b)->ref;
  int c = strcmp(x->org, y->org);
  if (!c) c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->tag, y->tag);
}

scale_error_t *scale__registry_list(scale__registry_t *reg, scale__fninfo_t **out, size_t *count) {
  scale_error_t *e = lock(reg, false);
  if (e) return e;
  cJSON *idx = NULL;
  e = load_index(reg, &idx);
  scale__fninfo_t *items = NULL;
  size_t n = 0;
  if (!e) {
    cJSON *m = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
    items = calloc((size_t)cJSON_GetArraySize(m) + 1, sizeof *items);
    if (!items) e = scale_error_new("out of memory");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, m) {
      if (e || !entry_ref(entry))
        continue; /* not ours (no reference): other tools' entries are left alone */
      /* A damaged entry is listed with what is wrong, so it can be seen and deleted. */
      scale_error_t *bad = describe(reg, entry, &items[n], NULL, NULL);
      if (bad) {
        char msg[256];
        if (scale__registry_parse_ref(entry_ref(entry), &items[n].ref, msg, sizeof msg)) {
          items[n].damage = dup_str(scale_error_message(bad));
          n++;
        }
        scale_error_delete(bad);
        continue;
      }
      n++;
    }
  }
  unlock(reg);
  cJSON_Delete(idx);
  if (e) {
    scale__registry_list_free(items, n);
    return e;
  }
  qsort(items, n, sizeof *items, cmp_info);
  *out = items;
  *count = n;
  return NULL;
}

void scale__registry_list_free(scale__fninfo_t *items, size_t count) {
  for (size_t i = 0; items && i < count; i++)
    scale__registry_info_release(&items[i]);
  free(items);
}

scale_error_t *scale__registry_delete(scale__registry_t *reg, const scale__ref_t *ref,
                                      size_t *removed) {
  char refstr[3 * SCALE_STORE_MAX_NAME + 4];
  scale__registry_format_ref(ref, refstr, sizeof refstr);
  scale_error_t *e = lock(reg, true);
  if (e) return e;
  cJSON *idx = NULL;
  e = load_index(reg, &idx);
  if (!e && !find_entry(idx, refstr)) e = not_found(reg, refstr);
  if (!e) {
    remove_entries(idx, refstr);
    e = save_index(reg, idx);
  }
  size_t n = e ? 0 : collect(reg, idx);
  unlock(reg);
  cJSON_Delete(idx);
  if (removed) *removed = n;
  return e;
}

scale_error_t *scale__registry_tag(scale__registry_t *reg, const scale__ref_t *src,
                                   const scale__ref_t *dst) {
  char from[3 * SCALE_STORE_MAX_NAME + 4], to[3 * SCALE_STORE_MAX_NAME + 4];
  scale__registry_format_ref(src, from, sizeof from);
  scale__registry_format_ref(dst, to, sizeof to);
  scale_error_t *e = lock(reg, true);
  if (e) return e;
  cJSON *idx = NULL;
  e = load_index(reg, &idx);
  cJSON *entry = e ? NULL : find_entry(idx, from);
  if (!e && !entry) e = not_found(reg, from);
  /* The source must be readable: tagging a damaged function would spread the damage. */
  scale__fninfo_t info;
  if (!e && !(e = describe(reg, entry, &info, NULL, NULL))) scale__registry_info_release(&info);
  if (!e && strcmp(from, to) != 0) {
    cJSON *copy = cJSON_Duplicate(entry, true);
    cJSON *ann = cJSON_GetObjectItemCaseSensitive(copy, "annotations");
    if (!copy || !cJSON_ReplaceItemInObjectCaseSensitive(ann, SCALE_STORE_REF_ANNOTATION,
                                                         cJSON_CreateString(to))) {
      cJSON_Delete(copy);
      e = scale_error_new("out of memory");
    } else {
      remove_entries(idx, to);
      cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(idx, "manifests"), copy);
      e = save_index(reg, idx);
      if (!e) collect(reg, idx);
    }
  }
  unlock(reg);
  cJSON_Delete(idx);
  return e;
}

scale_error_t *scale__registry_load(const char *reference, uint8_t **bytes, size_t *len) {
  scale__ref_t ref;
  char err[512];
  if (!scale__registry_parse_ref(reference, &ref, err, sizeof err)) return scale_error_new(err);
  scale__registry_t *reg;
  scale_error_t *e = scale__registry_open(NULL, &reg);
  if (e) return e;
  e = scale__registry_get(reg, &ref, NULL, bytes, len);
  scale__registry_close(reg);
  return e;
}
